package ai.backend.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The launch settings of language drivers and batch commands: the jail of the bundle's {@code
 * jail/} folder, with the syscall policy of the runtime type, and libbaihook.so preloaded so that
 * programs see the session's cores. jail-native/README.md describes the jail.
 *
 * <p>The jail runs with {@code --setsid}, so it leads a process group whose id is its pid, which is
 * the pid that {@link ProcessGroups} signals. It starts the program in a process group of its own
 * and passes SIGINT, SIGTERM, SIGHUP and SIGQUIT on to that group, so an interrupt reaches the
 * program once. SIGKILL ends the jail, and the kernel then kills every process that it traced.
 *
 * <p>User code reaches only loopback addresses over inet sockets unless {@value #NETWORK} is
 * {@value #NETWORK_ISOLATED}, which the agent sets when the session asked for a network; then the
 * jail runs with {@code --network}. In both modes the jail denies connections to the runner's own
 * ports on every address, so that user code cannot send requests to its runner.
 *
 * <p>The hook and {@value #CORE_COUNT} apply whatever the jail mode, because they only inform
 * programs; a program that unsets LD_PRELOAD loses nothing but the count.
 */
final class Jail {

  private static final RunnerLog LOG = RunnerLog.forClass(Jail.class);

  /** Variable that libbaihook.so returns as the number of cores. */
  static final String CORE_COUNT = "BACKENDAI_CORE_COUNT";

  /** Variable whose value {@value #NETWORK_ISOLATED} lets user code reach any address. */
  static final String NETWORK = "BACKENDAI_NETWORK";

  static final String NETWORK_ISOLATED = "isolated";

  static final String BINARY = "jail";
  static final String HOOK = "libbaihook.so";
  static final String POLICIES = "policies";

  /** Policy of the runtime types without a policy file of their own. */
  static final String DEFAULT_POLICY = "default.policy";

  private static final Jail OFF = new Jail(List.of(), Map.of());

  private final List<String> prefix;
  private final Map<String, String> environment;

  private Jail(List<String> prefix, Map<String, String> environment) {
    this.prefix = List.copyOf(prefix);
    this.environment = Map.copyOf(environment);
  }

  /** Returns a jail that is off and adds no variables, for tests of other parts. */
  static Jail off() {
    return OFF;
  }

  /**
   * Prepares the jail for the configured runtime type and mode, and the variables of the hook.
   *
   * @param workDir the working directory of drivers and batch commands, which the programs may
   *     write and run programs from
   * @param runnerEnvironment the runner's environment, whose LD_PRELOAD and {@value #CORE_COUNT}
   *     are kept, and whose {@value #NETWORK} chooses the network mode
   * @param coreCount the session's cores, from {@link CpuQuota}, or empty if unlimited
   * @throws IllegalArgumentException if the jail is on but its binary or the policy is missing. The
   *     runner then does not start, because user code must not run unjailed by accident.
   */
  static Jail configure(
      RunnerConfig config,
      Path workDir,
      Map<String, String> runnerEnvironment,
      OptionalInt coreCount) {
    Map<String, String> environment = childEnvironment(config, runnerEnvironment, coreCount);
    if (config.jailMode() == RunnerConfig.JailMode.OFF) {
      LOG.warning(
          "The jail is off ("
              + RunnerConfig.JAIL
              + "=off), so drivers and batch commands run without a syscall policy.");
      return new Jail(List.of(), environment);
    }
    Path jailDir = config.jailDir().toAbsolutePath().normalize();
    Path binary = jailDir.resolve(BINARY);
    if (!Files.isExecutable(binary)) {
      throw new IllegalArgumentException(
          "The jail "
              + binary
              + " is missing, so the runner does not start user code. Rebuild the runner bundle,"
              + " set "
              + RunnerConfig.JAIL_DIR
              + " to the folder that has it, or set "
              + RunnerConfig.JAIL
              + "=off to run without the jail.");
    }
    Path policy = policyFile(config.runtimeType(), jailDir);
    List<String> prefix = new ArrayList<>();
    prefix.add(binary.toString());
    prefix.add("--setsid");
    // The jail sets it after the program's exec: the jail is not dumpable, so the program's /proc
    // files belong to root until then (OomScore has the details).
    prefix.addAll(List.of("--oom-score-adj", Integer.toString(OomScore.USER_CODE_ADJ)));
    prefix.add("--policy");
    prefix.add(policy.toString());
    if (config.jailMode() == RunnerConfig.JailMode.WATCH) {
      prefix.add("--watch");
    }
    boolean network = networkAllowed(runnerEnvironment);
    if (network) {
      prefix.add("--network");
    }
    prefix.addAll(List.of("--deny-port", Integer.toString(config.portIn())));
    prefix.addAll(List.of("--deny-port", Integer.toString(config.portOut())));
    Path driversDir = config.driversDir().toAbsolutePath().normalize();
    Path absoluteWorkDir = workDir.toAbsolutePath().normalize();
    prefix.addAll(List.of("--allow-read", driversDir.toString()));
    prefix.addAll(List.of("--allow-read", jailDir.toString()));
    prefix.addAll(List.of("--allow-write", absoluteWorkDir.toString()));
    prefix.addAll(List.of("--allow-exec", absoluteWorkDir.toString()));
    prefix.add("--");
    LOG.info(
        "Drivers and batch commands run under the jail in "
            + config.jailMode().name().toLowerCase(Locale.ROOT)
            + " mode with "
            + policy
            + ".");
    LOG.info(
        (network
                ? "User code may connect to any address (" + NETWORK + "=" + NETWORK_ISOLATED + ")"
                : "User code may connect only to loopback addresses ("
                    + NETWORK
                    + " is not "
                    + NETWORK_ISOLATED
                    + ")")
            + ", except to the runner's ports "
            + config.portIn()
            + " and "
            + config.portOut()
            + ".");
    return new Jail(prefix, environment);
  }

  /** Returns true if {@value #NETWORK} is {@value #NETWORK_ISOLATED}, ignoring blanks around. */
  static boolean networkAllowed(Map<String, String> runnerEnvironment) {
    String value = runnerEnvironment.get(NETWORK);
    return value != null && value.strip().equals(NETWORK_ISOLATED);
  }

  /** Returns true if programs run under the jail. */
  boolean enabled() {
    return !prefix.isEmpty();
  }

  /** Returns the command line that runs {@code command} under the jail, or it as is if off. */
  List<String> wrap(List<String> command) {
    if (prefix.isEmpty()) {
      return List.copyOf(command);
    }
    List<String> wrapped = new ArrayList<>(prefix);
    wrapped.addAll(command);
    return List.copyOf(wrapped);
  }

  /** Returns the variables to set for drivers and batch commands on top of the runner's. */
  Map<String, String> environment() {
    return environment;
  }

  /** Returns the runtime type's policy file, or {@value #DEFAULT_POLICY}. */
  static Path policyFile(String runtimeType, Path jailDir) {
    Path policies = jailDir.resolve(POLICIES);
    Path own = policies.resolve(runtimeType + ".policy");
    Path policy = Files.isRegularFile(own) ? own : policies.resolve(DEFAULT_POLICY);
    if (!Files.isRegularFile(policy)) {
      throw new IllegalArgumentException(
          "The jail has no policy for the runtime type '"
              + runtimeType
              + "': neither "
              + own
              + " nor "
              + policy
              + " exists. Rebuild the runner bundle or set "
              + RunnerConfig.JAIL
              + "=off.");
    }
    return policy;
  }

  /**
   * Returns the user's variables ({@link UserEnvironment}) with the hook's on top; the user's
   * LD_PRELOAD follows the hook's library.
   */
  static Map<String, String> childEnvironment(
      RunnerConfig config, Map<String, String> runnerEnvironment, OptionalInt coreCount) {
    Map<String, String> user = UserEnvironment.of(runnerEnvironment);
    Map<String, String> seen = new LinkedHashMap<>(runnerEnvironment);
    String runnerPreload = runnerEnvironment.get("LD_PRELOAD");
    String userPreload = user.get("LD_PRELOAD");
    seen.putAll(user);
    if (runnerPreload != null && !runnerPreload.isBlank() && userPreload != null) {
      seen.put("LD_PRELOAD", runnerPreload.strip() + " " + userPreload.strip());
    }
    Map<String, String> environment = new LinkedHashMap<>(user);
    environment.putAll(hookEnvironment(config, seen, coreCount));
    return environment;
  }

  /**
   * Returns LD_PRELOAD with the hook first, followed by the runner's own LD_PRELOAD, and {@value
   * #CORE_COUNT} unless the runner's environment sets it, as a session's environment may.
   */
  static Map<String, String> hookEnvironment(
      RunnerConfig config, Map<String, String> runnerEnvironment, OptionalInt coreCount) {
    Map<String, String> environment = new LinkedHashMap<>();
    Path hook = config.jailDir().toAbsolutePath().normalize().resolve(HOOK);
    if (Files.isReadable(hook)) {
      String inherited = runnerEnvironment.get("LD_PRELOAD");
      // ld.so splits LD_PRELOAD at spaces and colons.
      environment.put(
          "LD_PRELOAD",
          inherited == null || inherited.isBlank()
              ? hook.toString()
              : hook + " " + inherited.strip());
    } else {
      LOG.warning(hook + " is missing, so programs see the host's cores.");
    }
    String preset = runnerEnvironment.get(CORE_COUNT);
    if (preset != null && !preset.isBlank()) {
      LOG.info(
          "Programs see the core count " + preset.strip() + " from " + CORE_COUNT + " as set.");
    } else if (coreCount.isPresent()) {
      environment.put(CORE_COUNT, Integer.toString(coreCount.getAsInt()));
      LOG.info("Programs see the core count " + coreCount.getAsInt() + " from the CPU quota.");
    } else {
      LOG.info("The container has no CPU quota, so programs see the host's cores.");
    }
    return environment;
  }
}
