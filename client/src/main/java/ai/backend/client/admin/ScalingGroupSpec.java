package ai.backend.client.admin;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The fields of a scaling group that {@code POST /admin/scaling-groups} sets and {@code PATCH
 * /admin/scaling-groups/{name}} changes. Null fields are left out of the request: the manager
 * applies its defaults on create (active, {@code fifo}, {@code dispersed}, no pending timeout, no
 * allowed domains, groups or keypairs) and keeps the current values on update.
 *
 * @param scheduler {@code fifo}, {@code lifo} or {@code drf}
 * @param agentSelection {@code dispersed} or {@code concentrated}
 * @param pendingTimeout seconds a session may stay PENDING, 0 for no limit
 * @param domains the names of the allowed domains; an update replaces the whole list, and an empty
 *     list allows none
 * @param groups the ids of the allowed groups; an update replaces the whole list
 * @param keypairs the allowed access keys; an update replaces the whole list
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScalingGroupSpec(
    String description,
    @JsonProperty("isActive") Boolean isActive,
    String scheduler,
    String agentSelection,
    Integer pendingTimeout,
    List<String> domains,
    List<String> groups,
    List<String> keypairs) {

  public ScalingGroupSpec {
    domains = domains == null ? null : List.copyOf(domains);
    groups = groups == null ? null : List.copyOf(groups);
    keypairs = keypairs == null ? null : List.copyOf(keypairs);
  }

  /** Returns a spec with no fields set. */
  public static ScalingGroupSpec empty() {
    return new ScalingGroupSpec(null, null, null, null, null, null, null, null);
  }

  /** Returns true when no field is set. */
  @JsonIgnore
  public boolean isEmpty() {
    return description == null
        && isActive == null
        && scheduler == null
        && agentSelection == null
        && pendingTimeout == null
        && domains == null
        && groups == null
        && keypairs == null;
  }

  public ScalingGroupSpec withDescription(String value) {
    return new ScalingGroupSpec(
        value, isActive, scheduler, agentSelection, pendingTimeout, domains, groups, keypairs);
  }

  public ScalingGroupSpec withActive(Boolean value) {
    return new ScalingGroupSpec(
        description, value, scheduler, agentSelection, pendingTimeout, domains, groups, keypairs);
  }

  public ScalingGroupSpec withScheduler(String value) {
    return new ScalingGroupSpec(
        description, isActive, value, agentSelection, pendingTimeout, domains, groups, keypairs);
  }

  public ScalingGroupSpec withAgentSelection(String value) {
    return new ScalingGroupSpec(
        description, isActive, scheduler, value, pendingTimeout, domains, groups, keypairs);
  }

  public ScalingGroupSpec withPendingTimeout(Integer seconds) {
    return new ScalingGroupSpec(
        description, isActive, scheduler, agentSelection, seconds, domains, groups, keypairs);
  }

  public ScalingGroupSpec withDomains(List<String> value) {
    return new ScalingGroupSpec(
        description, isActive, scheduler, agentSelection, pendingTimeout, value, groups, keypairs);
  }

  public ScalingGroupSpec withGroups(List<String> value) {
    return new ScalingGroupSpec(
        description, isActive, scheduler, agentSelection, pendingTimeout, domains, value, keypairs);
  }

  public ScalingGroupSpec withKeypairs(List<String> value) {
    return new ScalingGroupSpec(
        description, isActive, scheduler, agentSelection, pendingTimeout, domains, groups, value);
  }
}
