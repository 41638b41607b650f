package ai.backend.manager.interfaces.rest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * Body of {@code POST /session} as Backend.AI's clients send it. {@code lang} is the older name of
 * {@code image}, and {@code clientSessionToken} the older name of {@code name}; fields this version
 * does not use yet (domain, tag, mounts, ...) are ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CreateSessionRequest(
    String image,
    String lang,
    String name,
    String clientSessionToken,
    String type,
    Config config,
    Integer clusterSize,
    String group,
    String scalingGroup,
    @JsonProperty("scaling_group") String scalingGroupSnake,
    Boolean enqueueOnly,
    Integer maxWaitSeconds) {

  /**
   * The {@code config} object: resources, environment, and {@code network}, {@code none} (the
   * default) or {@code isolated}.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Config(
      Map<String, Object> resources,
      Map<String, String> environ,
      String scalingGroup,
      String network) {}

  String imageName() {
    return image != null ? image : lang;
  }

  /** Returns the scaling group from any of the places Backend.AI's clients put it. */
  String requestedScalingGroup() {
    if (scalingGroup != null) {
      return scalingGroup;
    }
    if (scalingGroupSnake != null) {
      return scalingGroupSnake;
    }
    return config == null ? null : config.scalingGroup();
  }

  String sessionName() {
    return name != null ? name : clientSessionToken;
  }
}
