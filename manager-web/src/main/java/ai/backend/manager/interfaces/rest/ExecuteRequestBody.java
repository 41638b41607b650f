package ai.backend.manager.interfaces.rest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;

/** Body of {@code POST /session/{id}}: one execute call. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExecuteRequestBody(
    String mode, String code, String runId, Map<String, Object> options) {}
