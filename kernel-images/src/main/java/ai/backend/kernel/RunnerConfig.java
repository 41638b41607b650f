package ai.backend.kernel;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of the kernel runner, read from environment variables.
 *
 * @param bindAddress ZeroMQ address without the port that both sockets bind to, such as {@code
 *     tcp://*}
 * @param portIn TCP port of the PULL socket that receives the agent's requests
 * @param portOut TCP port of the PUSH socket that sends records to the agent
 * @param runtimeType language of the kernel, which selects the driver, such as {@code python}
 * @param runtimePath interpreter that runs the driver, such as {@code /usr/bin/python3}
 * @param driversDir folder that contains one driver folder per runtime type
 * @param workDir working directory of the driver and of batch commands, the user's home folder
 * @param batchLineBuffered whether batch commands run with coreutils' libstdbuf preloaded, which
 *     makes C stdio line-buffered so that prompts show before the program reads stdin
 * @param jailMode whether drivers and batch commands run under the jail, and whether it enforces
 *     the policy or only logs what it would deny
 * @param jailDir folder with the jail binary, libbaihook.so and the policies
 */
public record RunnerConfig(
    String bindAddress,
    int portIn,
    int portOut,
    String runtimeType,
    String runtimePath,
    Path driversDir,
    Path workDir,
    boolean batchLineBuffered,
    JailMode jailMode,
    Path jailDir) {

  /** The runner's use of the jail. */
  public enum JailMode {
    /** Programs run without the jail. */
    OFF,
    /** The jail logs what its policy would deny, to the program's stderr, and allows it. */
    WATCH,
    /** The jail denies what its policy does not allow. */
    ENFORCE
  }

  public static final String RUNTIME_TYPE = "BACKENDAI_RUNTIME_TYPE";
  public static final String RUNTIME_PATH = "BACKENDAI_RUNTIME_PATH";
  public static final String BIND = "BACKENDAI_RUNNER_BIND";
  public static final String PORT_IN = "BACKENDAI_RUNNER_PORT_IN";
  public static final String PORT_OUT = "BACKENDAI_RUNNER_PORT_OUT";
  public static final String DRIVERS_DIR = "BACKENDAI_RUNNER_DRIVERS_DIR";
  public static final String WORK_DIR = "BACKENDAI_RUNNER_WORK_DIR";
  public static final String BATCH_LINE_BUFFERED = "BACKENDAI_RUNNER_BATCH_LINE_BUFFERED";
  public static final String JAIL = "BACKENDAI_JAIL";
  public static final String JAIL_DIR = "BACKENDAI_RUNNER_JAIL_DIR";

  public static final String DEFAULT_BIND = "tcp://*";
  public static final int DEFAULT_PORT_IN = 2000;
  public static final int DEFAULT_PORT_OUT = 2001;

  /** Drivers folder of the runner bundle, which is mounted at /opt/kernel. */
  public static final Path DEFAULT_DRIVERS_DIR = Path.of("/opt/kernel/drivers");

  /** Jail folder of the runner bundle, which is mounted at /opt/kernel. */
  public static final Path DEFAULT_JAIL_DIR = Path.of("/opt/kernel/jail");

  /** Home folder of the user {@code work} (uid 1000) in every kernel image. */
  public static final Path DEFAULT_WORK_DIR = Path.of("/home/work");

  /**
   * Reads the settings from environment variables.
   *
   * @throws IllegalArgumentException if a required variable is missing, a port is invalid, {@link
   *     #BATCH_LINE_BUFFERED} is neither true nor false or {@link #JAIL} is not off, watch or
   *     enforce
   */
  public static RunnerConfig fromEnvironment(Map<String, String> env) {
    String runtimeType = required(env, RUNTIME_TYPE);
    String runtimePath = required(env, RUNTIME_PATH);
    String bind = env.getOrDefault(BIND, DEFAULT_BIND);
    int portIn = port(env, PORT_IN, DEFAULT_PORT_IN);
    int portOut = port(env, PORT_OUT, DEFAULT_PORT_OUT);
    return new RunnerConfig(
        bind,
        portIn,
        portOut,
        runtimeType,
        runtimePath,
        path(env, DRIVERS_DIR, DEFAULT_DRIVERS_DIR),
        path(env, WORK_DIR, DEFAULT_WORK_DIR),
        flag(env, BATCH_LINE_BUFFERED, true),
        jailMode(env),
        path(env, JAIL_DIR, DEFAULT_JAIL_DIR));
  }

  /** Returns the address that the PULL socket binds to. */
  public String inEndpoint() {
    return bindAddress + ":" + portIn;
  }

  /** Returns the address that the PUSH socket binds to. */
  public String outEndpoint() {
    return bindAddress + ":" + portOut;
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          "Missing environment variable " + name + "; the agent sets it from the image labels.");
    }
    return value;
  }

  private static Path path(Map<String, String> env, String name, Path defaultPath) {
    String value = env.get(name);
    return value == null || value.isBlank() ? defaultPath : Path.of(value);
  }

  private static boolean flag(Map<String, String> env, String name, boolean defaultValue) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return defaultValue;
    }
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              "Invalid " + name + " '" + value + "': expected true or false.");
    };
  }

  private static JailMode jailMode(Map<String, String> env) {
    String value = env.get(JAIL);
    if (value == null || value.isBlank()) {
      return JailMode.ENFORCE;
    }
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "off" -> JailMode.OFF;
      case "watch" -> JailMode.WATCH;
      case "enforce" -> JailMode.ENFORCE;
      default ->
          throw new IllegalArgumentException(
              "Invalid " + JAIL + " '" + value + "': expected off, watch or enforce.");
    };
  }

  private static int port(Map<String, String> env, String name, int defaultPort) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return defaultPort;
    }
    try {
      int port = Integer.parseInt(value.trim());
      if (port < 1 || port > 65535) {
        throw new NumberFormatException("out of range");
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Invalid " + name + " '" + value + "': expected a TCP port from 1 to 65535.", e);
    }
  }
}
