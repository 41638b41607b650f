package ai.backend.client.admin;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One entry of the audit log.
 *
 * @param id the entry's id, which {@code before} takes to page back from it
 * @param at the time of the action (ISO 8601)
 * @param actorAccessKey the access key that signed the request, or null for a login
 * @param actorEmail the email of the acting user, or null when unknown
 * @param action {@code create}, {@code update}, {@code delete}, {@code login} or {@code
 *     login-failed}
 * @param targetType {@code domain}, {@code group}, {@code user}, {@code keypair}, {@code
 *     resource-policy} or {@code resource-preset}
 * @param targetId the name, id, email or access key of the changed object
 * @param domain the domain the target belongs to, or null
 * @param detail the changed fields as the manager describes them, never a password or secret key.
 *     It stays JSON because the API does not fix its form.
 */
public record AuditLogEntry(
    String id,
    String at,
    String actorAccessKey,
    String actorEmail,
    String action,
    String targetType,
    String targetId,
    String domain,
    JsonNode detail) {

  /** Returns the detail as one line: text as it is, other JSON in its compact form, or null. */
  public String detailText() {
    if (detail == null || detail.isNull() || detail.isMissingNode()) {
      return null;
    }
    return detail.isValueNode() ? detail.asText() : detail.toString();
  }
}
