package ai.backend.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The response of {@code GET /session}: the caller's sessions.
 *
 * @param totalCount the number of matching sessions on the manager, which may exceed the number of
 *     items when the manager pages the list
 */
public record SessionList(List<SessionInfo> items, int totalCount) {

  public SessionList {
    items = items == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(items));
  }
}
