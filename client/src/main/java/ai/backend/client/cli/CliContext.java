package ai.backend.client.cli;

import ai.backend.client.BackendClient;
import ai.backend.client.BackendClientConfig;
import java.io.BufferedReader;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the commands take from outside the command line: the environment variables, the repository
 * root and standard input. Tests pass their own.
 */
public final class CliContext {

  private final Map<String, String> env;
  private final Path home;
  private final BufferedReader stdin;
  private BackendClient client;

  /**
   * Creates a context.
   *
   * @param env the environment variables that configure the client
   * @param home the repository root, under which the default keypair file lies
   * @param stdin the source of input lines for code that reads standard input
   */
  public CliContext(Map<String, String> env, Path home, BufferedReader stdin) {
    this.env = Map.copyOf(env);
    this.home = home;
    this.stdin = stdin;
  }

  /** Returns the client, loading its configuration on first use. */
  synchronized BackendClient client() {
    if (client == null) {
      client = new BackendClient(BackendClientConfig.load(env, home));
    }
    return client;
  }

  /** Returns the configuration of the client if one was created, otherwise null. */
  synchronized BackendClientConfig configIfLoaded() {
    return client == null ? null : client.config();
  }

  BufferedReader stdin() {
    return stdin;
  }
}
