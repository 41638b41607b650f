package ai.backend.client.admin;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The fields of a keypair that {@code POST /admin/keypairs} sets and {@code PATCH
 * /admin/keypairs/{accessKey}} changes. Null fields are left out of the request: the manager
 * applies its defaults on create ({@code default} policy, rate limit 1000, active) and keeps the
 * current values on update.
 *
 * @param resourcePolicy the name of a keypair resource policy
 * @param rateLimit requests allowed per rate limit window, 0 for no limit
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeyPairSpec(
    @JsonProperty("isActive") Boolean isActive, String resourcePolicy, Integer rateLimit) {

  /** Returns a spec with no fields set. */
  public static KeyPairSpec empty() {
    return new KeyPairSpec(null, null, null);
  }

  /** Returns true when no field is set. */
  @JsonIgnore
  public boolean isEmpty() {
    return isActive == null && resourcePolicy == null && rateLimit == null;
  }

  public KeyPairSpec withActive(Boolean active) {
    return new KeyPairSpec(active, resourcePolicy, rateLimit);
  }

  public KeyPairSpec withResourcePolicy(String policy) {
    return new KeyPairSpec(isActive, policy, rateLimit);
  }

  public KeyPairSpec withRateLimit(Integer limit) {
    return new KeyPairSpec(isActive, resourcePolicy, limit);
  }
}
