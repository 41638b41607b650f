package ai.backend.client.admin;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * The fields of a keypair resource policy that {@code POST /admin/resource-policies} sets and
 * {@code PATCH /admin/resource-policies/{name}} changes. Null fields are left out of the request:
 * the manager applies its defaults on create (no slots, {@code UNLIMITED}, 30 sessions, 1
 * container, no idle timeout, no lifetime limit) and keeps the current values on update.
 *
 * @param totalResourceSlots the maximum sum of the slots of a keypair's live sessions; an update
 *     replaces the whole map
 * @param defaultForUnspecified {@code UNLIMITED} or {@code LIMITED}
 * @param idleTimeout seconds, 0 for none
 * @param maxSessionLifetime seconds, 0 for none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResourcePolicySpec(
    Map<String, String> totalResourceSlots,
    String defaultForUnspecified,
    Integer maxConcurrentSessions,
    Integer maxContainersPerSession,
    Long idleTimeout,
    Long maxSessionLifetime) {

  public ResourcePolicySpec {
    totalResourceSlots = Slots.copyOrNull(totalResourceSlots);
  }

  /** Returns a spec with no fields set. */
  public static ResourcePolicySpec empty() {
    return new ResourcePolicySpec(null, null, null, null, null, null);
  }

  /** Returns true when no field is set. */
  @JsonIgnore
  public boolean isEmpty() {
    return totalResourceSlots == null
        && defaultForUnspecified == null
        && maxConcurrentSessions == null
        && maxContainersPerSession == null
        && idleTimeout == null
        && maxSessionLifetime == null;
  }

  public ResourcePolicySpec withTotalResourceSlots(Map<String, String> slots) {
    return new ResourcePolicySpec(
        slots,
        defaultForUnspecified,
        maxConcurrentSessions,
        maxContainersPerSession,
        idleTimeout,
        maxSessionLifetime);
  }

  public ResourcePolicySpec withDefaultForUnspecified(String value) {
    return new ResourcePolicySpec(
        totalResourceSlots,
        value,
        maxConcurrentSessions,
        maxContainersPerSession,
        idleTimeout,
        maxSessionLifetime);
  }

  public ResourcePolicySpec withMaxConcurrentSessions(Integer value) {
    return new ResourcePolicySpec(
        totalResourceSlots,
        defaultForUnspecified,
        value,
        maxContainersPerSession,
        idleTimeout,
        maxSessionLifetime);
  }

  public ResourcePolicySpec withMaxContainersPerSession(Integer value) {
    return new ResourcePolicySpec(
        totalResourceSlots,
        defaultForUnspecified,
        maxConcurrentSessions,
        value,
        idleTimeout,
        maxSessionLifetime);
  }

  public ResourcePolicySpec withIdleTimeout(Long seconds) {
    return new ResourcePolicySpec(
        totalResourceSlots,
        defaultForUnspecified,
        maxConcurrentSessions,
        maxContainersPerSession,
        seconds,
        maxSessionLifetime);
  }

  public ResourcePolicySpec withMaxSessionLifetime(Long seconds) {
    return new ResourcePolicySpec(
        totalResourceSlots,
        defaultForUnspecified,
        maxConcurrentSessions,
        maxContainersPerSession,
        idleTimeout,
        seconds);
  }
}
