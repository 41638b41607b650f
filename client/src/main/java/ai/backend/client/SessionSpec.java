package ai.backend.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@code POST /session} creates.
 *
 * @param image the kernel image name, such as {@code python}
 * @param name the session name (Backend.AI's client session token), or null to let the manager
 *     choose one
 * @param type the session type, {@code interactive} unless the caller sets another
 * @param resources the requested resource slots, such as {@code cpu=1} and {@code mem=512m}, sent
 *     in key order
 * @param environ environment variables for the kernel, in the caller's order
 */
public record SessionSpec(
    String image,
    String name,
    String type,
    Map<String, String> resources,
    Map<String, String> environ) {

  /** The session type for sessions that run code interactively. */
  public static final String INTERACTIVE = "interactive";

  public SessionSpec {
    Objects.requireNonNull(image, "image");
    if (image.isBlank()) {
      throw new IllegalArgumentException("the image name is empty");
    }
    type = type == null ? INTERACTIVE : type;
    resources =
        Collections.unmodifiableMap(new TreeMap<>(resources == null ? Map.of() : resources));
    environ =
        Collections.unmodifiableMap(new LinkedHashMap<>(environ == null ? Map.of() : environ));
  }

  /** Creates an interactive session spec for an image, without a name, resources or variables. */
  public static SessionSpec of(String image) {
    return new SessionSpec(image, null, INTERACTIVE, Map.of(), Map.of());
  }

  /** Returns a copy with the session name set. */
  public SessionSpec withName(String newName) {
    return new SessionSpec(image, newName, type, resources, environ);
  }

  /** Returns a copy with the requested resource slots replaced. */
  public SessionSpec withResources(Map<String, String> newResources) {
    return new SessionSpec(image, name, type, newResources, environ);
  }

  /** Returns a copy with the environment variables replaced. */
  public SessionSpec withEnviron(Map<String, String> newEnviron) {
    return new SessionSpec(image, name, type, resources, newEnviron);
  }
}
