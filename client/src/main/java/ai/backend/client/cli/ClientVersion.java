package ai.backend.client.cli;

import ai.backend.common.auth.RequestSignature;
import picocli.CommandLine.IVersionProvider;

/** The client's release version, from the jar manifest, and the API version it speaks. */
final class ClientVersion implements IVersionProvider {

  /** Returns the release version from the jar manifest, or {@code dev} outside the jar. */
  static String release() {
    String version = ClientVersion.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  @Override
  public String[] getVersion() {
    return new String[] {"bai " + release() + " (API " + RequestSignature.API_VERSION + ")"};
  }
}
