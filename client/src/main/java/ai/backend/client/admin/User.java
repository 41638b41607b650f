package ai.backend.client.admin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A user. The manager never returns the password.
 *
 * @param uuid the user's UUID, which names the user in {@code /admin/users/{uuid}} like the email
 * @param username the unique login name, the email unless one was given
 * @param role {@code superadmin}, {@code admin} (of their domain) or {@code user}
 * @param status {@code active} or {@code inactive}; an inactive user's keypairs are rejected
 * @param groups the groups the user is a member of
 * @param createdAt the creation time (ISO 8601)
 * @param modifiedAt the time of the last change (ISO 8601)
 */
public record User(
    String uuid,
    String email,
    String username,
    String fullName,
    String domain,
    String role,
    String status,
    List<Membership> groups,
    String createdAt,
    String modifiedAt) {

  /** One group that a user is a member of. */
  public record Membership(String id, String name) {}

  public User {
    groups = groups == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(groups));
  }
}
