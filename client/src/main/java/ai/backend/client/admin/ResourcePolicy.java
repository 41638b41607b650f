package ai.backend.client.admin;

import java.util.Map;

/**
 * A keypair resource policy: the limits of the sessions of the keypairs that use it.
 *
 * @param totalResourceSlots the maximum sum of the slots of a keypair's live sessions
 * @param defaultForUnspecified {@code UNLIMITED} or {@code LIMITED}: whether a slot missing from
 *     {@code totalResourceSlots} is unlimited or zero
 * @param maxConcurrentSessions the maximum number of live sessions of one keypair
 * @param maxContainersPerSession the maximum cluster size of one session
 * @param idleTimeout seconds without API activity after which a session is terminated, 0 for none
 * @param maxSessionLifetime seconds after its creation at which a session is terminated, 0 for none
 * @param createdAt the creation time (ISO 8601), or null when the manager does not send it
 * @param modifiedAt the time of the last change (ISO 8601), or null when the manager does not send
 *     it
 */
public record ResourcePolicy(
    String name,
    Map<String, String> totalResourceSlots,
    String defaultForUnspecified,
    Integer maxConcurrentSessions,
    Integer maxContainersPerSession,
    Long idleTimeout,
    Long maxSessionLifetime,
    String createdAt,
    String modifiedAt) {

  public ResourcePolicy {
    totalResourceSlots = Slots.copyOf(totalResourceSlots);
  }
}
