package ai.backend.client;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The response of {@code POST /resource/check-presets}: the caller keypair's resource limits and
 * usage, the free slots of the scaling groups, and which resource presets a new session could use
 * now. Slot values are decimal strings such as {@code 1073741824}, or {@code Infinity} for no
 * limit.
 *
 * @param keypairLimits the slots that the keypair's resource policy allows in all
 * @param keypairUsing the slots that the keypair's live sessions occupy
 * @param keypairRemaining the limits minus the usage
 * @param scalingGroupRemaining the free slots of the requested scaling group
 * @param scalingGroups the usage and free slots of each scaling group by name
 * @param presets each preset, and whether it fits the keypair's remaining slots and one agent
 */
public record PresetCheck(
    @JsonProperty("keypair_limits") Map<String, String> keypairLimits,
    @JsonProperty("keypair_using") Map<String, String> keypairUsing,
    @JsonProperty("keypair_remaining") Map<String, String> keypairRemaining,
    @JsonProperty("scaling_group_remaining") Map<String, String> scalingGroupRemaining,
    @JsonProperty("scaling_groups") Map<String, ScalingGroupSlots> scalingGroups,
    List<Allocatable> presets) {

  /** The slots that a scaling group's sessions use and the slots it has free. */
  public record ScalingGroupSlots(Map<String, String> using, Map<String, String> remaining) {

    public ScalingGroupSlots {
      using = copyOf(using);
      remaining = copyOf(remaining);
    }
  }

  /**
   * One preset of the check.
   *
   * @param allocatable true when the preset fits both the keypair's remaining slots and the free
   *     slots of one ALIVE agent of the scaling group
   */
  public record Allocatable(
      String name,
      @JsonProperty("resource_slots") Map<String, String> resourceSlots,
      @JsonProperty("shared_memory") String sharedMemory,
      boolean allocatable) {

    public Allocatable {
      resourceSlots = copyOf(resourceSlots);
    }
  }

  public PresetCheck {
    keypairLimits = copyOf(keypairLimits);
    keypairUsing = copyOf(keypairUsing);
    keypairRemaining = copyOf(keypairRemaining);
    scalingGroupRemaining = copyOf(scalingGroupRemaining);
    scalingGroups =
        scalingGroups == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(scalingGroups));
    presets = presets == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(presets));
  }

  private static Map<String, String> copyOf(Map<String, String> slots) {
    return slots == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(slots));
  }
}
