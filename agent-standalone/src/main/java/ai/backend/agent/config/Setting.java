package ai.backend.agent.config;

import java.util.Locale;

/**
 * One setting of the agent. Each can be given as a command-line option, as an environment variable
 * and as a key of the properties file, and that order is also the precedence.
 */
public enum Setting {
  CONFIG(
      "config", "FILE", "Properties file with settings, keyed by option name without dashes", null),
  BROKER_URL(
      "broker-url",
      "URL",
      "Artemis broker URL; query parameters such as ?reconnectAttempts=-1 reach the client"
          + " unchanged",
      "tcp://127.0.0.1:61616"),
  BROKER_USER("broker-user", "USER", "User name on the broker", "agent"),
  BROKER_PASSWORD_FILE(
      "broker-password-file",
      "FILE",
      "File whose first line is the broker password; BACKEND_AGENT_BROKER_PASSWORD sets the"
          + " password itself",
      null),
  AGENT_ID(
      "agent-id",
      "ID",
      "Agent id: 1 to 64 letters, digits, dots, underscores or hyphens",
      "the host name, with other characters replaced by '-'"),
  SCALING_GROUP(
      "scaling-group",
      "NAME",
      "Scaling group the agent joins: 1 to 64 letters, digits, dots, underscores or hyphens",
      "default"),
  CPU("cpu", "CORES", "CPU cores offered to kernels, fractions allowed", "the host's core count"),
  MEM(
      "mem",
      "SIZE",
      "Memory offered to kernels, in bytes or with a binary suffix (512m, 8g)",
      "80% of the host's memory"),
  KRUNNER_PATH(
      "krunner-path",
      "DIR",
      "Runner bundle directory, mounted read-only at /opt/kernel in every kernel",
      "<repository>/kernel-images/target/krunner"),
  KERNEL_NETWORK(
      "kernel-network",
      "NAME",
      "Docker network for kernels; it is created as an internal bridge without inter-container"
          + " traffic if missing",
      "bai-kernels"),
  OUTBOUND_NETWORK(
      "outbound-network",
      "NAME",
      "Docker network for sessions that ask for a network; it is created as a bridge with outbound"
          + " NAT and without inter-container traffic if missing, and the firewall rules of"
          + " --kernel-firewall cover it",
      "bai-outbound"),
  KERNEL_FIREWALL(
      "kernel-firewall",
      "auto|on|off",
      "Host firewall rules (iptables INPUT) that drop connections from kernel containers to the"
          + " host itself, whose services listen on the bridges' gateway addresses: on adds them"
          + " and refuses to start without them, auto adds them when the agent runs as root with"
          + " iptables and warns otherwise, off leaves the host's firewall alone",
      "auto"),
  JAIL(
      "jail",
      "enforce|watch|off",
      "How kernels run user code: enforce runs it under the jail's syscall policy (denied calls"
          + " fail with EPERM, other hosts are unreachable unless the session asked for a"
          + " network), watch only logs what the policy would deny, off runs it without the jail."
          + " Kernels get the mode as BACKENDAI_JAIL",
      "enforce"),
  SCRATCH_ROOT(
      "scratch-root",
      "DIR",
      "Directory of the kernels' scratch folders: the agent mounts a tmpfs of --scratch-size per"
          + " kernel at DIR/<agent-id>/<kernel-id>, which is /home/work in the container, keeps it"
          + " across restarts of the kernel and removes it with the kernel. Mounting needs root;"
          + " an agent that is not root gives each container a tmpfs of its own instead, which a"
          + " restart empties",
      "/var/lib/backend-ai/scratch"),
  SCRATCH_SIZE(
      "scratch-size",
      "SIZE",
      "Size of each kernel's /home/work, a tmpfs removed with the kernel; its files count against"
          + " the session's memory",
      "1g"),
  TMP_SIZE(
      "tmp-size",
      "SIZE",
      "Size of each kernel's /tmp and of its /var/tmp, tmpfs mounts whose files count against the"
          + " session's memory; the rest of the container's file system is read-only",
      "256m"),
  SHM_SIZE("shm-size", "SIZE", "Size of each kernel's /dev/shm", "64m"),
  HEARTBEAT_INTERVAL("heartbeat-interval", "SECONDS", "Seconds between heartbeats, 1 to 3600", "5"),
  KERNEL_START_TIMEOUT(
      "kernel-start-timeout",
      "SECONDS",
      "Seconds a new kernel's runner has to report ready before creation fails, 1 to 3600",
      "30"),
  OUTPUT_LIMIT(
      "output-limit",
      "SIZE",
      "Bytes of each output stream kept per execute call, with an optional binary suffix (1m);"
          + " the rest is dropped and counted",
      "1m"),
  EXEC_TIMEOUT(
      "exec-timeout",
      "SECONDS",
      "Seconds a run may take when the execute request sets no execTimeout, from 1 to 86400, or 0"
          + " for no limit. A run past its limit is interrupted and ends with status exec-timeout",
      "0"),
  MAX_UPLOAD_SIZE(
      "max-upload-size",
      "SIZE",
      "Maximum total size of the files in one upload, in bytes or with a binary suffix (64m), up to"
          + " 1g",
      "64m"),
  MAX_DOWNLOAD_SIZE(
      "max-download-size",
      "SIZE",
      "Maximum size of the tar archive that one download returns, in bytes or with a binary suffix"
          + " (64m), up to 1g",
      "64m"),
  DOCKER_HOST(
      "docker-host",
      "URI",
      "Address of the Docker engine, a unix:///PATH socket or tcp://HOST:PORT",
      "unix:///var/run/docker.sock"),
  LOG_LEVEL("log-level", "LEVEL", "Log level: TRACE, DEBUG, INFO, WARN or ERROR", "INFO"),
  EXTRA_SLOTS(
      "extra-slots",
      "NAME=VALUE,...",
      "Resource slots offered besides cpu and mem, such as cuda.device=2, which plugins declare:"
          + " reported in heartbeats, accounted per kernel, and given to each kernel as"
          + " BACKENDAI_SLOT_<NAME> (no device is mapped into containers)",
      "none"),
  SIMULATE(
      "simulate",
      "true|false",
      "Runs simulated agents instead of a real one, for scheduling tests and benchmarks. They"
          + " talk to the broker like real agents, but start no container and run no code, and"
          + " execute calls return a result stating that. They report the kernel images of the Docker"
          + " engine at --docker-host when it is reachable, else a built-in list. --simulate alone"
          + " means true",
      "false"),
  SIMULATE_AGENTS(
      "simulate-agents",
      "COUNT",
      "Number of simulated agents that --simulate runs in this JVM, 1 to 9999, with the ids"
          + " <agent-id>-0001, <agent-id>-0002 and so on; each offers --cpu and --mem",
      "1"),
  SIMULATE_START_MILLIS(
      "simulate-start-millis",
      "MILLIS",
      "Milliseconds a simulated kernel takes from create_kernel to kernel_started, 0 to 3600000",
      "200");

  /** Environment variable that sets the broker password itself rather than a file. */
  public static final String BROKER_PASSWORD_ENV = "BACKEND_AGENT_BROKER_PASSWORD";

  private final String key;
  private final String paramLabel;
  private final String description;
  private final String defaultText;

  Setting(String key, String paramLabel, String description, String defaultText) {
    this.key = key;
    this.paramLabel = paramLabel;
    this.description = description;
    this.defaultText = defaultText;
  }

  /** Returns the long option, for example {@code --broker-url}. */
  public String optionName() {
    return "--" + key;
  }

  /** Returns the environment variable, for example {@code BACKEND_AGENT_BROKER_URL}. */
  public String envName() {
    return "BACKEND_AGENT_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** Returns the key in the properties file, for example {@code broker-url}. */
  public String propertyKey() {
    return key;
  }

  /**
   * Tells whether the option may stand alone on the command line, which means {@code true}, as
   * {@code --simulate} may.
   */
  public boolean isFlag() {
    return this == SIMULATE;
  }

  /** Returns the label of the option's value in the help text. */
  public String paramLabel() {
    return paramLabel;
  }

  /**
   * Returns the help text, with the default and the environment variable. Percent signs are doubled
   * because picocli formats descriptions with {@link String#format}.
   */
  public String helpText() {
    StringBuilder text = new StringBuilder(description).append('.');
    if (defaultText != null) {
      text.append(" Default: ").append(defaultText).append('.');
    }
    text.append(" Env: ").append(envName()).append('.');
    return text.toString().replace("%", "%%");
  }

  /**
   * Returns the default value as text, or {@code null} when it is absent or computed from the host,
   * in which case the help text describes it.
   */
  String literalDefault() {
    return switch (this) {
      case CONFIG, BROKER_PASSWORD_FILE, AGENT_ID, CPU, MEM, KRUNNER_PATH -> null;
      default -> defaultText;
    };
  }
}
