package ai.backend.manager.interfaces.rest;

import ai.backend.manager.application.SessionView;
import java.util.LinkedHashMap;
import java.util.Map;

/** Converts sessions to the JSON objects of Backend.AI's session API. */
final class SessionJson {

  private SessionJson() {}

  static Map<String, Object> of(SessionView session) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("sessionId", session.id().toString());
    json.put("sessionName", session.name());
    json.put("kernelId", session.kernelId().toString());
    json.put("image", session.image());
    json.put("type", session.type().toUpperCase(java.util.Locale.ROOT));
    json.put("status", session.status().name());
    json.put("statusInfo", session.statusInfo());
    json.put("statusChangedAt", session.statusChangedAt().toString());
    json.put("createdAt", session.createdAt().toString());
    json.put(
        "terminatedAt", session.terminatedAt() == null ? null : session.terminatedAt().toString());
    json.put("scalingGroup", session.scalingGroup());
    json.put("network", session.network());
    json.put("agent", session.agentId());
    json.put("containerId", session.containerId());
    json.put("accessKey", session.accessKey());
    json.put("requestedSlots", session.requestedSlots());
    json.put("occupiedSlots", session.occupiedSlots());
    return json;
  }
}
