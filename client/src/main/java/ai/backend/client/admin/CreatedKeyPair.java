package ai.backend.client.admin;

import java.util.Objects;

/**
 * A new keypair with its secret key, which the manager returns only in the response that creates
 * the keypair. {@link #toString} leaves the secret key out.
 */
public record CreatedKeyPair(KeyPair keyPair, String secretKey) {

  public CreatedKeyPair {
    Objects.requireNonNull(keyPair, "keyPair");
  }

  /** Returns the access key of the keypair. */
  public String accessKey() {
    return keyPair.accessKey();
  }

  @Override
  public String toString() {
    return "CreatedKeyPair[keyPair=" + keyPair + ", secretKey=(hidden)]";
  }
}
