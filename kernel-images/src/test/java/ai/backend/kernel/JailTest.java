package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.backend.kernel.RunnerHarness.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner's use of the jail: settings, command lines, the CPU quota, and drivers and batch
 * commands under the real jail from jail-native/build.
 */
class JailTest {

  private static final Map<String, String> MINIMAL =
      Map.of(RunnerConfig.RUNTIME_TYPE, "python", RunnerConfig.RUNTIME_PATH, "/usr/bin/python3");

  @TempDir Path workDir;
  private RunnerHarness harness;

  @AfterEach
  void stopRunner() {
    if (harness != null) {
      harness.close();
    }
  }

  private static RunnerConfig config(Map<String, String> settings) {
    Map<String, String> env = new HashMap<>(MINIMAL);
    env.putAll(settings);
    return RunnerConfig.fromEnvironment(env);
  }

  /** Creates a jail folder with a fake jail binary, the hook and the given policy files. */
  private static Path fakeJailDir(Path root, String... policies) throws IOException {
    Path dir = Files.createDirectories(root.resolve("jail"));
    Path binary = Files.writeString(dir.resolve(Jail.BINARY), "#!/bin/sh\n");
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(dir.resolve(Jail.HOOK), "");
    Files.createDirectories(dir.resolve(Jail.POLICIES));
    for (String policy : policies) {
      Files.writeString(dir.resolve(Jail.POLICIES).resolve(policy), "default errno EPERM\n");
    }
    return dir;
  }

  @Test
  void jailModeDefaultsToEnforce() {
    assertEquals(RunnerConfig.JailMode.ENFORCE, config(Map.of()).jailMode());
    assertEquals(RunnerConfig.DEFAULT_JAIL_DIR, config(Map.of()).jailDir());
  }

  @Test
  void jailModeIsRead() {
    assertEquals(RunnerConfig.JailMode.OFF, config(Map.of(RunnerConfig.JAIL, "off")).jailMode());
    assertEquals(
        RunnerConfig.JailMode.WATCH, config(Map.of(RunnerConfig.JAIL, " Watch ")).jailMode());
    assertEquals(
        RunnerConfig.JailMode.ENFORCE, config(Map.of(RunnerConfig.JAIL, "enforce")).jailMode());
  }

  @Test
  void invalidJailModeIsRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> config(Map.of(RunnerConfig.JAIL, "strict")));
    assertTrue(e.getMessage().contains("'strict'"), e.getMessage());
    assertTrue(e.getMessage().contains("off, watch or enforce"), e.getMessage());
  }

  @Test
  void missingJailStopsTheRunner(@TempDir Path empty) {
    RunnerConfig config = config(Map.of(RunnerConfig.JAIL_DIR, empty.toString()));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Jail.configure(config, workDir, Map.of(), OptionalInt.empty()));
    assertTrue(e.getMessage().contains(empty.resolve("jail").toString()), e.getMessage());
    assertTrue(e.getMessage().contains("BACKENDAI_JAIL=off"), e.getMessage());
  }

  @Test
  void offJailWrapsNothing(@TempDir Path empty) {
    RunnerConfig config =
        config(Map.of(RunnerConfig.JAIL, "off", RunnerConfig.JAIL_DIR, empty.toString()));
    Jail jail = Jail.configure(config, workDir, Map.of(), OptionalInt.empty());

    assertFalse(jail.enabled());
    assertEquals(List.of("/bin/sh", "-c", "true"), jail.wrap(List.of("/bin/sh", "-c", "true")));
    assertEquals(Map.of(), jail.environment());
  }

  @Test
  void watchModeWrapsWithTheDefaultPolicy(@TempDir Path root) throws IOException {
    Path jailDir = fakeJailDir(root, Jail.DEFAULT_POLICY);
    RunnerConfig config =
        config(Map.of(RunnerConfig.JAIL, "watch", RunnerConfig.JAIL_DIR, jailDir.toString()));

    List<String> command =
        Jail.configure(config, workDir, Map.of(), OptionalInt.empty()).wrap(List.of("prog"));

    assertEquals(jailDir.resolve(Jail.BINARY).toString(), command.get(0));
    assertTrue(command.contains("--setsid"), command.toString());
    assertTrue(command.contains("--watch"), command.toString());
    int policy = command.indexOf("--policy");
    assertEquals(
        jailDir.resolve(Jail.POLICIES).resolve(Jail.DEFAULT_POLICY).toString(),
        command.get(policy + 1));
    assertEquals(List.of("--", "prog"), command.subList(command.size() - 2, command.size()));
  }

  @Test
  void runtimePolicyIsPreferred(@TempDir Path root) throws IOException {
    Path jailDir = fakeJailDir(root, Jail.DEFAULT_POLICY, "python.policy");
    RunnerConfig config = config(Map.of(RunnerConfig.JAIL_DIR, jailDir.toString()));

    List<String> command =
        Jail.configure(config, workDir, Map.of(), OptionalInt.empty()).wrap(List.of("prog"));

    assertEquals(
        jailDir.resolve(Jail.POLICIES).resolve("python.policy").toString(),
        command.get(command.indexOf("--policy") + 1));
    assertFalse(command.contains("--watch"), command.toString());
  }

  @Test
  void networkIsLoopbackByDefault(@TempDir Path root) throws IOException {
    Path jailDir = fakeJailDir(root, Jail.DEFAULT_POLICY);
    RunnerConfig config = config(Map.of(RunnerConfig.JAIL_DIR, jailDir.toString()));

    List<String> absent =
        Jail.configure(config, workDir, Map.of(), OptionalInt.empty()).wrap(List.of("prog"));
    List<String> other =
        Jail.configure(config, workDir, Map.of(Jail.NETWORK, "none"), OptionalInt.empty())
            .wrap(List.of("prog"));

    assertFalse(absent.contains("--network"), absent.toString());
    assertFalse(other.contains("--network"), other.toString());
  }

  @Test
  void isolatedNetworkPassesNetworkOption(@TempDir Path root) throws IOException {
    Path jailDir = fakeJailDir(root, Jail.DEFAULT_POLICY);
    RunnerConfig config = config(Map.of(RunnerConfig.JAIL_DIR, jailDir.toString()));

    List<String> command =
        Jail.configure(
                config, workDir, Map.of(Jail.NETWORK, Jail.NETWORK_ISOLATED), OptionalInt.empty())
            .wrap(List.of("prog"));

    assertTrue(command.indexOf("--network") < command.indexOf("--"), command.toString());
    assertTrue(command.contains("--network"), command.toString());
  }

  @Test
  void runnerPortsAreDenied(@TempDir Path root) throws IOException {
    Path jailDir = fakeJailDir(root, Jail.DEFAULT_POLICY);
    RunnerConfig config =
        config(
            Map.of(
                RunnerConfig.JAIL_DIR, jailDir.toString(),
                RunnerConfig.PORT_IN, "3000",
                RunnerConfig.PORT_OUT, "3001"));

    List<String> command =
        Jail.configure(
                config, workDir, Map.of(Jail.NETWORK, Jail.NETWORK_ISOLATED), OptionalInt.empty())
            .wrap(List.of("prog"));

    int first = command.indexOf("--deny-port");
    int last = command.lastIndexOf("--deny-port");
    assertEquals("3000", command.get(first + 1));
    assertEquals("3001", command.get(last + 1));
    assertTrue(last < command.indexOf("--"), command.toString());
  }

  @Test
  void missingPolicyStopsTheRunner(@TempDir Path root) throws IOException {
    Path jailDir = fakeJailDir(root);
    RunnerConfig config = config(Map.of(RunnerConfig.JAIL_DIR, jailDir.toString()));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Jail.configure(config, workDir, Map.of(), OptionalInt.empty()));
    assertTrue(e.getMessage().contains("'python'"), e.getMessage());
  }

  @Test
  void hookComesBeforeInheritedPreload(@TempDir Path root) throws IOException {
    Path jailDir = fakeJailDir(root, Jail.DEFAULT_POLICY);
    RunnerConfig config = config(Map.of(RunnerConfig.JAIL_DIR, jailDir.toString()));

    Map<String, String> alone = Jail.hookEnvironment(config, Map.of(), OptionalInt.of(3));
    Map<String, String> inherited =
        Jail.hookEnvironment(
            config, Map.of("LD_PRELOAD", "/usr/lib/libjemalloc.so.2"), OptionalInt.empty());

    String hook = jailDir.resolve(Jail.HOOK).toString();
    assertEquals(Map.of("LD_PRELOAD", hook, Jail.CORE_COUNT, "3"), alone);
    assertEquals(Map.of("LD_PRELOAD", hook + " /usr/lib/libjemalloc.so.2"), inherited);
  }

  @Test
  void userVariablesReachOnlyChildren(@TempDir Path root) throws IOException {
    Path jailDir = fakeJailDir(root, Jail.DEFAULT_POLICY);
    RunnerConfig config = config(Map.of(RunnerConfig.JAIL_DIR, jailDir.toString()));
    Map<String, String> runner =
        Map.of(
            UserEnvironment.PREFIX + "GREETING",
            "hello",
            UserEnvironment.PREFIX + "LD_PRELOAD",
            "/home/work/x.so",
            "PATH",
            "/usr/bin");

    Map<String, String> environment = Jail.childEnvironment(config, runner, OptionalInt.of(2));

    String hook = jailDir.resolve(Jail.HOOK).toString();
    assertEquals("hello", environment.get("GREETING"));
    assertEquals(hook + " /home/work/x.so", environment.get("LD_PRELOAD"));
    assertEquals("2", environment.get(Jail.CORE_COUNT));
    assertFalse(environment.containsKey("PATH"), "the runner's own variables stay inherited");
    Map<String, String> child = new java.util.HashMap<>(runner);
    UserEnvironment.removeCarriers(child);
    assertEquals(Map.of("PATH", "/usr/bin"), child);
  }

  @Test
  void presetCoreCountIsKept(@TempDir Path root) throws IOException {
    Path jailDir = fakeJailDir(root, Jail.DEFAULT_POLICY);
    RunnerConfig config = config(Map.of(RunnerConfig.JAIL_DIR, jailDir.toString()));

    Map<String, String> environment =
        Jail.hookEnvironment(config, Map.of(Jail.CORE_COUNT, "8"), OptionalInt.of(3));

    assertFalse(environment.containsKey(Jail.CORE_COUNT), environment.toString());
  }

  @Test
  void nodejsDriverUnderJailHasNoSetsid(@TempDir Path root) throws IOException {
    Path jailDir = fakeJailDir(root, Jail.DEFAULT_POLICY);
    RunnerConfig config =
        config(
            Map.of(
                RunnerConfig.RUNTIME_TYPE, "nodejs",
                RunnerConfig.RUNTIME_PATH, "/usr/bin/node",
                RunnerConfig.JAIL_DIR, jailDir.toString()));
    Jail jail = Jail.configure(config, workDir, Map.of(), OptionalInt.empty());

    List<String> command = DriverCommand.forConfig(config, jail).orElseThrow();

    assertEquals(
        List.of("--", "/usr/bin/node", "/opt/kernel/drivers/nodejs/driver.js"),
        command.subList(command.size() - 3, command.size()));
    assertFalse(
        command.stream().anyMatch(word -> word.equals("setsid") || word.endsWith("/setsid")),
        command.toString());
  }

  @Test
  void cgroupV2QuotaIsRoundedUp(@TempDir Path root) throws IOException {
    Files.writeString(root.resolve("cpu.max"), "150000 100000\n");
    assertEquals(OptionalInt.of(2), CpuQuota.coreCount(root, "0::/\n"));

    Files.writeString(root.resolve("cpu.max"), "max 100000\n");
    assertEquals(OptionalInt.empty(), CpuQuota.coreCount(root, "0::/\n"));
  }

  @Test
  void cgroupV2QuotaOfOwnCgroup(@TempDir Path root) throws IOException {
    Path own = Files.createDirectories(root.resolve("docker/abc"));
    Files.writeString(root.resolve("cpu.max"), "max 100000\n");
    Files.writeString(own.resolve("cpu.max"), "300000 100000\n");

    assertEquals(OptionalInt.of(3), CpuQuota.coreCount(root, "0::/docker/abc\n"));
  }

  @Test
  void cgroupV1Quota(@TempDir Path root) throws IOException {
    Path cpu = Files.createDirectories(root.resolve("cpu"));
    Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "100000\n");
    Files.writeString(cpu.resolve("cpu.cfs_period_us"), "100000\n");
    String selfCgroup = "4:memory:/docker/abc\n1:cpu,cpuacct:/docker/abc\n";
    assertEquals(OptionalInt.of(1), CpuQuota.coreCount(root, selfCgroup));

    Files.writeString(cpu.resolve("cpu.cfs_quota_us"), "-1\n");
    assertEquals(OptionalInt.empty(), CpuQuota.coreCount(root, selfCgroup));
  }

  @Test
  void missingCgroupFilesGiveNoQuota(@TempDir Path root) {
    assertEquals(OptionalInt.empty(), CpuQuota.coreCount(root, ""));
    assertEquals(OptionalInt.empty(), CpuQuota.parseCpuMax("garbage"));
    assertEquals(OptionalInt.empty(), CpuQuota.cores("1x", "100000"));
  }

  /** Starts a Python runner under the real jail, or skips the test if it is not built. */
  private void startJailedPython(String mode) throws IOException {
    Optional<Path> jailDir = RunnerHarness.jailDir();
    assumeTrue(jailDir.isPresent(), "the jail is not built in jail-native/build");
    harness =
        RunnerHarness.start(
            "python",
            RunnerHarness.PYTHON,
            RunnerHarness.driversDir(),
            workDir,
            Map.of(RunnerConfig.JAIL, mode, RunnerConfig.JAIL_DIR, jailDir.get().toString()));
    harness.awaitReady();
  }

  @Test
  void driverRunsUnderJail() throws IOException {
    startJailedPython("enforce");

    Run denied = harness.run("open('/proc/1/status')");
    Run preload = harness.run("import os; print(os.environ['LD_PRELOAD'])");

    assertEquals(1, denied.exitCode());
    assertTrue(denied.stderr().contains("PermissionError"), denied.stderr());
    assertEquals(0, preload.exitCode(), preload.stderr());
    assertTrue(preload.stdout().contains(Jail.HOOK), preload.stdout());
  }

  @Test
  void batchCommandRunsUnderJail() throws IOException {
    startJailedPython("enforce");

    Run run = harness.request("exec", "cat /proc/1/status", "finished");

    assertEquals(1, run.exitCode());
    assertTrue(run.stderr().contains("jail: denied open of /proc/1/status"), run.stderr());
    assertTrue(run.stderr().contains("Operation not permitted"), run.stderr());
  }

  @Test
  void driverReachesOnlyLoopback() throws IOException {
    startJailedPython("enforce");

    Run denied =
        harness.run(
            "import socket\n"
                + "s = socket.socket()\n"
                + "try:\n"
                + "    s.connect(('192.0.2.1', 80))\n"
                + "except PermissionError:\n"
                + "    print('denied')\n");
    Run loopback =
        harness.run(
            "import socket\n"
                + "server = socket.create_server(('127.0.0.1', 0))\n"
                + "client = socket.create_connection(server.getsockname())\n"
                + "print(server.accept()[1][0])\n");

    assertEquals("denied\n", denied.stdout(), denied.stderr());
    assertEquals("127.0.0.1\n", loopback.stdout(), loopback.stderr());
  }

  @Test
  void watchModeLogsAndAllows() throws IOException {
    startJailedPython("watch");

    Run run = harness.request("exec", "head -c 5 /proc/1/status", "finished");

    assertEquals(0, run.exitCode(), run.stderr());
    assertEquals("Name:", run.stdout());
    assertTrue(
        run.stderr().contains("jail: watch: would deny open of /proc/1/status"), run.stderr());
  }
}
