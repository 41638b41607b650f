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
 * @param scalingGroup the scaling group to run the session in, or null for the manager's choice:
 *     {@code default} when the caller may use it, else the first allowed group by name
 * @param enqueueOnly true to return at once even when {@code maxWaitSeconds} is set, or null for
 *     the manager's default (false)
 * @param maxWaitSeconds seconds the manager waits for the session to leave PENDING, SCHEDULED and
 *     PREPARING before it responds (0 to 300), or null for the manager's default (0, no wait)
 * @param network {@code isolated} for a network with outbound access, {@code none} or null for
 *     none, the manager's default
 */
public record SessionSpec(
    String image,
    String name,
    String type,
    Map<String, String> resources,
    Map<String, String> environ,
    String scalingGroup,
    Boolean enqueueOnly,
    Integer maxWaitSeconds,
    String network) {

  /** The session type for sessions that run code interactively. */
  public static final String INTERACTIVE = "interactive";

  /**
   * Checks the image and the wait, and copies the maps.
   *
   * @throws IllegalArgumentException if the image name is empty or {@code maxWaitSeconds} is
   *     negative
   */
  public SessionSpec {
    Objects.requireNonNull(image, "image");
    if (image.isBlank()) {
      throw new IllegalArgumentException("the image name is empty");
    }
    if (maxWaitSeconds != null && maxWaitSeconds < 0) {
      throw new IllegalArgumentException(
          "the maximum wait must be 0 seconds or more, got " + maxWaitSeconds);
    }
    type = type == null ? INTERACTIVE : type;
    resources =
        Collections.unmodifiableMap(new TreeMap<>(resources == null ? Map.of() : resources));
    environ =
        Collections.unmodifiableMap(new LinkedHashMap<>(environ == null ? Map.of() : environ));
  }

  /** Creates a spec without a scaling group or a wait, for the manager's defaults. */
  public SessionSpec(
      String image,
      String name,
      String type,
      Map<String, String> resources,
      Map<String, String> environ) {
    this(image, name, type, resources, environ, null, null, null, null);
  }

  /** Creates an interactive session spec for an image, without a name, resources or variables. */
  public static SessionSpec of(String image) {
    return new SessionSpec(image, null, INTERACTIVE, Map.of(), Map.of());
  }

  /** Returns a copy with the session name set. */
  public SessionSpec withName(String newName) {
    return new SessionSpec(
        image,
        newName,
        type,
        resources,
        environ,
        scalingGroup,
        enqueueOnly,
        maxWaitSeconds,
        network);
  }

  /** Returns a copy with the requested resource slots replaced. */
  public SessionSpec withResources(Map<String, String> newResources) {
    return new SessionSpec(
        image,
        name,
        type,
        newResources,
        environ,
        scalingGroup,
        enqueueOnly,
        maxWaitSeconds,
        network);
  }

  /** Returns a copy with the environment variables replaced. */
  public SessionSpec withEnviron(Map<String, String> newEnviron) {
    return new SessionSpec(
        image,
        name,
        type,
        resources,
        newEnviron,
        scalingGroup,
        enqueueOnly,
        maxWaitSeconds,
        network);
  }

  /** Returns a copy with the scaling group set, or null for the manager's choice. */
  public SessionSpec withScalingGroup(String newScalingGroup) {
    return new SessionSpec(
        image,
        name,
        type,
        resources,
        environ,
        newScalingGroup,
        enqueueOnly,
        maxWaitSeconds,
        network);
  }

  /** Returns a copy with {@code enqueueOnly} set, or null for the manager's default. */
  public SessionSpec withEnqueueOnly(Boolean newEnqueueOnly) {
    return new SessionSpec(
        image,
        name,
        type,
        resources,
        environ,
        scalingGroup,
        newEnqueueOnly,
        maxWaitSeconds,
        network);
  }

  /** Returns a copy with {@code maxWaitSeconds} set, or null for the manager's default. */
  public SessionSpec withMaxWaitSeconds(Integer seconds) {
    return new SessionSpec(
        image, name, type, resources, environ, scalingGroup, enqueueOnly, seconds, network);
  }

  /** Returns a copy with the network set: {@code isolated}, {@code none}, or null for none. */
  public SessionSpec withNetwork(String newNetwork) {
    return new SessionSpec(
        image,
        name,
        type,
        resources,
        environ,
        scalingGroup,
        enqueueOnly,
        maxWaitSeconds,
        newNetwork);
  }
}
