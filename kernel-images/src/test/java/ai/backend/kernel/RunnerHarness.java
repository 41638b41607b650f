package ai.backend.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.backend.kernel.tools.RunnerClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A kernel runner in the test JVM, with the drivers from the source tree, and an agent-side client
 * that talks to it over loopback ZeroMQ sockets as the agent does.
 */
final class RunnerHarness implements AutoCloseable {

  static final String PYTHON = "/usr/bin/python3";

  /** Maximum wait for the records of one request; the deadline of every poll in the tests. */
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  final KernelRunner runner;
  final RunnerClient client;
  final Path workDir;

  /** Records of one request, up to and including its end record. */
  record Run(List<Record> records, int exitCode) {

    String stdout() {
      return text("stdout");
    }

    String stderr() {
      return text("stderr");
    }

    String text(String type) {
      return records.stream()
          .filter(r -> r.type().equals(type))
          .map(Record::payload)
          .collect(Collectors.joining());
    }

    List<Record> ofType(String type) {
      return records.stream().filter(r -> r.type().equals(type)).toList();
    }

    /** Returns the stdout and stderr records, with adjacent ones of one type joined. */
    List<Record> output() {
      return mergeAdjacent(
          records.stream()
              .filter(r -> r.type().equals("stdout") || r.type().equals("stderr"))
              .toList());
    }

    Record last() {
      return records.get(records.size() - 1);
    }
  }

  private RunnerHarness(KernelRunner runner, RunnerClient client, Path workDir) {
    this.runner = runner;
    this.client = client;
    this.workDir = workDir;
  }

  /** Folder with one driver folder per runtime type: the module's drivers/. */
  static Path driversDir() {
    return Path.of(System.getenv().getOrDefault("BACKENDAI_TEST_DRIVERS_DIR", "drivers"));
  }

  /**
   * Folder of the jail that the runners under test use: jail-native/build, which Maven passes as
   * BACKENDAI_TEST_JAIL_DIR. The tests run their programs under the jail in enforce mode when the
   * jail is built there, and without it otherwise.
   */
  static Optional<Path> jailDir() {
    Path dir =
        Path.of(System.getenv().getOrDefault("BACKENDAI_TEST_JAIL_DIR", "../jail-native/build"));
    return Files.isExecutable(dir.resolve(Jail.BINARY)) ? Optional.of(dir) : Optional.empty();
  }

  /** Starts a Python runner with the host's Python and waits until it is ready. */
  static RunnerHarness startPython(Path workDir) throws IOException {
    RunnerHarness harness = start("python", PYTHON, driversDir(), workDir);
    harness.awaitReady();
    return harness;
  }

  /** Starts a runner without waiting for its driver. */
  static RunnerHarness start(String runtimeType, String runtimePath, Path driversDir, Path workDir)
      throws IOException {
    return start(runtimeType, runtimePath, driversDir, workDir, Map.of());
  }

  /** Starts a runner with further settings, such as {@link RunnerConfig#BATCH_LINE_BUFFERED}. */
  static RunnerHarness start(
      String runtimeType,
      String runtimePath,
      Path driversDir,
      Path workDir,
      Map<String, String> settings)
      throws IOException {
    int[] ports = freeLoopbackPorts();
    Map<String, String> env = new HashMap<>();
    Optional<Path> jailDir = jailDir();
    env.put(RunnerConfig.JAIL, jailDir.isPresent() ? "enforce" : "off");
    jailDir.ifPresent(dir -> env.put(RunnerConfig.JAIL_DIR, dir.toString()));
    env.putAll(settings);
    env.put(RunnerConfig.RUNTIME_TYPE, runtimeType);
    env.put(RunnerConfig.RUNTIME_PATH, runtimePath);
    env.put(RunnerConfig.BIND, "tcp://127.0.0.1");
    env.put(RunnerConfig.PORT_IN, Integer.toString(ports[0]));
    env.put(RunnerConfig.PORT_OUT, Integer.toString(ports[1]));
    env.put(RunnerConfig.DRIVERS_DIR, driversDir.toString());
    env.put(RunnerConfig.WORK_DIR, workDir.toString());
    KernelRunner runner = new KernelRunner(RunnerConfig.fromEnvironment(env));
    runner.start();
    return new RunnerHarness(runner, new RunnerClient("127.0.0.1", ports[0], ports[1]), workDir);
  }

  @Override
  public void close() {
    client.close();
    runner.close();
  }

  void awaitReady() {
    client.send("status", "");
    List<Record> records = awaitRecord(r -> r.type().equals("status"));
    assertEquals(1, records.size(), "records before status: " + records);
    assertEquals("{\"ready\":true}", records.get(0).payload());
  }

  /** Runs code in query mode and returns its records up to the finished record. */
  Run run(String code) {
    return request("code", code, "finished");
  }

  /** Sends a request and returns the records up to the first record of type endType. */
  Run request(String operation, String payload, String endType) {
    client.send(operation, payload);
    return awaitEnd(endType);
  }

  /** Receives records up to the first of type endType, and returns them as a run. */
  Run awaitEnd(String endType) {
    List<Record> records = awaitRecord(r -> r.type().equals(endType));
    return toRun(records);
  }

  static Run toRun(List<Record> records) {
    Record end = records.get(records.size() - 1);
    int exitCode = end.type().equals("completion") ? 0 : RunnerClient.exitCode(end);
    return new Run(records, exitCode);
  }

  /** Receives records until one matches, and returns all of them, failing at the deadline. */
  List<Record> awaitRecord(Predicate<Record> last) {
    return awaitRecord(last, TIMEOUT);
  }

  /** Receives records until one matches within the timeout, and returns all of them. */
  List<Record> awaitRecord(Predicate<Record> last, Duration timeout) {
    List<Record> records = new ArrayList<>();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      Record record = client.receive(Duration.between(Instant.now(), deadline));
      if (record == null) {
        break;
      }
      records.add(record);
      if (last.test(record)) {
        return records;
      }
    }
    return fail(
        "No expected record within "
            + timeout.toSeconds()
            + " s; received: "
            + abbreviate(records.toString()));
  }

  /** Returns the next record if one arrives within the wait, without failing. */
  Optional<Record> poll(Duration wait) {
    return Optional.ofNullable(client.receive(wait));
  }

  /** Joins adjacent records of one type, because how writes are batched may vary. */
  static List<Record> mergeAdjacent(List<Record> records) {
    List<Record> merged = new ArrayList<>();
    for (Record record : records) {
      int lastIndex = merged.size() - 1;
      if (lastIndex >= 0 && merged.get(lastIndex).type().equals(record.type())) {
        Record previous = merged.get(lastIndex);
        merged.set(lastIndex, new Record(record.type(), previous.payload() + record.payload()));
      } else {
        merged.add(record);
      }
    }
    return merged;
  }

  static String abbreviate(String text) {
    return text.length() <= 2000 ? text : text.substring(0, 2000) + "...";
  }

  private static int[] freeLoopbackPorts() throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket first = new ServerSocket(0, 1, loopback);
        ServerSocket second = new ServerSocket(0, 1, loopback)) {
      return new int[] {first.getLocalPort(), second.getLocalPort()};
    }
  }
}
