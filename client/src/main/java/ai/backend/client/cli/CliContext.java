package ai.backend.client.cli;

import ai.backend.client.BackendClient;
import ai.backend.client.BackendClientConfig;
import java.io.BufferedReader;
import java.io.Console;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The commands' dependencies outside the command line: the environment variables, the repository
 * root, the working folder, standard input and the terminal, Ctrl-C and the way to exit. Tests pass
 * their own. It also carries the global {@code --owner} option into the client it creates.
 */
public final class CliContext {

  /** Reads a password without echo, such as from the terminal. */
  interface PasswordPrompt {

    /**
     * Prints the prompt and reads one line without echo.
     *
     * @return the characters typed, or null when the input is closed
     */
    char[] readPassword(String prompt);
  }

  private final Map<String, String> env;
  private final Path home;
  private final BufferedReader stdin;
  private final Supplier<Console> console;
  private final InterruptTrap interruptTrap;
  private final IntConsumer exit;
  private final Path workingDirectory;
  private final PasswordPrompt passwordPrompt;
  private BackendClient client;
  private String ownerAccessKey;

  /**
   * Creates a context for this process: its terminal, its Ctrl-C and its working folder.
   *
   * @param env the environment variables that configure the client
   * @param home the repository root, under which the default keypair file lies
   * @param stdin the source of input lines for code that reads standard input
   */
  public CliContext(Map<String, String> env, Path home, BufferedReader stdin) {
    this(
        env,
        home,
        stdin,
        System::console,
        new SigintTrap(),
        System::exit,
        Path.of("").toAbsolutePath());
  }

  /**
   * Creates a context with every outside dependency given.
   *
   * @param console returns the terminal for password input, or null when there is none
   * @param interruptTrap routes Ctrl-C to the running command
   * @param exit ends the process with an exit code, after a second Ctrl-C
   * @param workingDirectory the folder that relative file arguments start from
   */
  CliContext(
      Map<String, String> env,
      Path home,
      BufferedReader stdin,
      Supplier<Console> console,
      InterruptTrap interruptTrap,
      IntConsumer exit,
      Path workingDirectory) {
    this(env, home, stdin, console, interruptTrap, exit, workingDirectory, null);
  }

  /**
   * Creates a context like the constructor above with a password prompt of its own.
   *
   * @param passwordPrompt reads passwords, or null to read them from the terminal that {@code
   *     console} returns
   */
  CliContext(
      Map<String, String> env,
      Path home,
      BufferedReader stdin,
      Supplier<Console> console,
      InterruptTrap interruptTrap,
      IntConsumer exit,
      Path workingDirectory,
      PasswordPrompt passwordPrompt) {
    this.passwordPrompt = passwordPrompt;
    this.env = Map.copyOf(env);
    this.home = home;
    this.stdin = stdin;
    this.console = console;
    this.interruptTrap = interruptTrap;
    this.exit = exit;
    this.workingDirectory = workingDirectory;
  }

  /** Returns the client, loading its configuration on first use. */
  synchronized BackendClient client() {
    if (client == null) {
      BackendClientConfig config = BackendClientConfig.load(env, home);
      if (ownerAccessKey != null) {
        config = config.withOwnerAccessKey(ownerAccessKey);
      }
      client = new BackendClient(config);
    }
    return client;
  }

  /**
   * Makes the session calls of the client act on behalf of another keypair ({@code
   * owner_access_key}). It must come before the first {@link #client()} call, so {@code bai
   * --owner} sets it while the command line is parsed.
   *
   * @throws IllegalStateException if the client exists already
   */
  synchronized void setOwnerAccessKey(String accessKey) {
    if (client != null) {
      throw new IllegalStateException("the client exists already; set the owner before using it");
    }
    ownerAccessKey = accessKey;
  }

  /** Returns the manager endpoint without requiring a keypair, for {@code bai login}. */
  URI endpoint() {
    return BackendClientConfig.loadEndpoint(env, home);
  }

  /** Returns the configuration of the client if one was created, otherwise null. */
  synchronized BackendClientConfig configIfLoaded() {
    return client == null ? null : client.config();
  }

  BufferedReader stdin() {
    return stdin;
  }

  /** Returns the terminal, or null when the process has none. */
  Console console() {
    return console.get();
  }

  /** Returns the prompt that reads passwords without echo, or null when there is no terminal. */
  PasswordPrompt passwordPrompt() {
    if (passwordPrompt != null) {
      return passwordPrompt;
    }
    Console terminal = console();
    return terminal == null ? null : prompt -> terminal.readPassword("%s", prompt);
  }

  InterruptTrap interruptTrap() {
    return interruptTrap;
  }

  /** Ends the process. In tests, it records the code and returns. */
  void exit(int exitCode) {
    exit.accept(exitCode);
  }

  Path workingDirectory() {
    return workingDirectory;
  }
}
