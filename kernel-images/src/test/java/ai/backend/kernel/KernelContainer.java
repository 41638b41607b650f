package ai.backend.kernel;

import ai.backend.kernel.RunnerHarness.Run;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.zeromq.ZMQ;

/**
 * A kernel container started as the agent starts one: uid 1000, all capabilities dropped, no new
 * privileges, {@code --init}, the drivers and the jail from the source tree mounted read-only under
 * /opt/kernel, and a memory limit with no swap. It has no network: the test reaches the runner with
 * {@code RunnerProbe} through {@code docker exec}, on 127.0.0.1 inside the container.
 *
 * <p>The runner runs from this build's classes, not from target/krunner/runner.jar, which only the
 * package phase rebuilds. The JRE is the bundle's if it is built, or else the test JVM's, which
 * suits Debian 12 images on a Debian 12 host.
 */
final class KernelContainer implements AutoCloseable {

  static final String PYTHON_IMAGE =
      System.getenv().getOrDefault("BACKENDAI_TEST_PYTHON_IMAGE", "backendai/python:3.11-debian12");

  private static final Path BUNDLE_JRE = Path.of("target/krunner/jre");
  private static final String CLASSPATH = "/opt/kernel-test/classes:/opt/kernel-test/lib/*";
  private static final long DOCKER_TIMEOUT_SECONDS = 120;
  private static final JsonFactory JSON = new JsonFactory();

  private final String name;
  private final Path runnerFiles;

  private KernelContainer(String name, Path runnerFiles) {
    this.name = name;
    this.runnerFiles = runnerFiles;
  }

  /** Returns why the container cannot start here, or empty if Docker, the image and jail exist. */
  static Optional<String> unavailableReason(String image) {
    if (RunnerHarness.jailDir().isEmpty()) {
      return Optional.of("the jail is not built in jail-native/build");
    }
    try {
      Result result = docker("image", "inspect", "--format", "{{.Id}}", image);
      return result.exitCode() == 0
          ? Optional.empty()
          : Optional.of("image " + image + " missing or Docker unreachable: " + result.output());
    } catch (IOException e) {
      return Optional.of("the docker CLI failed: " + e.getMessage());
    }
  }

  /**
   * Starts a Python kernel container with the given memory limit, such as "256m", and swap equal to
   * it, so none.
   */
  static KernelContainer startPython(String image, String memory) throws IOException {
    Path runnerFiles = copyRunnerFiles();
    String name = "backendai-kernel-test-" + UUID.randomUUID();
    KernelContainer container = new KernelContainer(name, runnerFiles);
    Path jre =
        Files.isDirectory(BUNDLE_JRE) ? BUNDLE_JRE : Path.of(System.getProperty("java.home"));
    List<String> command =
        new ArrayList<>(
            List.of(
                "run",
                "--detach",
                "--init",
                "--name",
                name,
                "--user",
                "1000:1000",
                "--cap-drop",
                "ALL",
                "--security-opt",
                "no-new-privileges",
                "--network",
                "none",
                "--memory",
                memory,
                "--memory-swap",
                memory,
                "--env",
                "BACKENDAI_RUNTIME_TYPE=python",
                "--env",
                "BACKENDAI_RUNTIME_PATH=/usr/bin/python3",
                "--volume",
                jre.toAbsolutePath() + ":/opt/kernel/jre:ro",
                "--volume",
                RunnerHarness.driversDir().toAbsolutePath() + ":/opt/kernel/drivers:ro",
                "--volume",
                RunnerHarness.jailDir().orElseThrow().toAbsolutePath() + ":/opt/kernel/jail:ro",
                "--volume",
                runnerFiles + ":/opt/kernel-test:ro",
                image,
                "/opt/kernel/jre/bin/java",
                // The flags of bundle/bin/entrypoint.sh, without the bundle's runner.jar.
                "-XX:+UseSerialGC",
                "-Xmx64m",
                "-XX:TieredStopAtLevel=1",
                "-XX:-UsePerfData",
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                CLASSPATH,
                KernelRunner.class.getName()));
    Result result = docker(command.toArray(String[]::new));
    if (result.exitCode() != 0) {
      container.close();
      throw new IOException("docker run failed: " + result.output());
    }
    return container;
  }

  /**
   * Sends one request with RunnerProbe in the container, after the runner's ready status, and
   * returns its records up to the end record. Fails if the probe ends without an end record.
   */
  Run request(String operation, String payload) throws IOException {
    Result result =
        docker(
            "exec",
            name,
            "/opt/kernel/jre/bin/java",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData",
            "-cp",
            CLASSPATH,
            ai.backend.kernel.tools.RunnerProbe.class.getName(),
            "--timeout",
            "60",
            "--operation",
            operation,
            payload);
    List<Record> records = new ArrayList<>();
    for (String line : result.output().split("\n")) {
      parseRecord(line).ifPresent(records::add);
    }
    List<Record> afterStatus = new ArrayList<>();
    for (Record record : records) {
      if (record.type().equals("status")) {
        afterStatus.clear();
      } else {
        afterStatus.add(record);
      }
    }
    boolean ended =
        !afterStatus.isEmpty()
            && afterStatus.get(afterStatus.size() - 1).type().endsWith("finished");
    if (!ended) {
      throw new AssertionError(
          "RunnerProbe exited with "
              + result.exitCode()
              + " without an end record; its output: "
              + RunnerHarness.abbreviate(result.output())
              + "\ncontainer log: "
              + RunnerHarness.abbreviate(log()));
    }
    return RunnerHarness.toRun(afterStatus);
  }

  /**
   * Returns the runner JVM's pid and start time in clock ticks, such as "7 1234", from /proc in the
   * container, or empty text if no runner runs. With {@code --init} the runner is a child of pid 1.
   */
  String runnerIdentity() throws IOException {
    Result result =
        docker(
            "exec",
            name,
            "sh",
            "-c",
            "for p in $(cat /proc/1/task/1/children); do"
                + " if grep -q KernelRunner /proc/$p/cmdline; then"
                + " echo \"$p $(cut -d ' ' -f 22 /proc/$p/stat)\"; fi; done");
    return result.output().strip();
  }

  /** Returns the container log, which contains the runner's log lines. */
  String log() throws IOException {
    return docker("logs", name).output();
  }

  @Override
  public void close() throws IOException {
    docker("rm", "--force", name);
    try (Stream<Path> files = Files.walk(runnerFiles)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }

  /** Parses a RunnerProbe line, {@code TYPE "JSON string"}, or returns empty for other lines. */
  private static Optional<Record> parseRecord(String line) throws IOException {
    int space = line.indexOf(' ');
    if (space <= 0 || !line.endsWith("\"")) {
      return Optional.empty();
    }
    try (JsonParser parser = JSON.createParser(line.substring(space + 1))) {
      if (parser.nextToken() != JsonToken.VALUE_STRING) {
        return Optional.empty();
      }
      return Optional.of(new Record(line.substring(0, space), parser.getText()));
    }
  }

  /**
   * Copies this build's classes and the runner's libraries to a new folder that uid 1000 can read,
   * because the Maven repository and JUnit's temporary folders are private.
   */
  private static Path copyRunnerFiles() throws IOException {
    Path root = Files.createTempDirectory("backendai-kernel-test-");
    Path classes = codeSource(KernelRunner.class);
    copyTree(classes, root.resolve("classes"));
    Path lib = Files.createDirectories(root.resolve("lib"));
    for (Path jar : List.of(codeSource(ZMQ.class), codeSource(JsonFactory.class))) {
      Files.copy(jar, lib.resolve(jar.getFileName()));
    }
    // jnacl, JeroMQ's dependency for CURVE security, which runner.jar carries too.
    codeSourceOf("com.neilalexander.jnacl.NaCl")
        .ifPresent(jar -> copyQuietly(jar, lib.resolve(jar.getFileName())));
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.toList()) {
        String mode = Files.isDirectory(file) ? "rwxr-xr-x" : "rw-r--r--";
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
      }
    }
    return root;
  }

  private static void copyTree(Path source, Path target) throws IOException {
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.toList()) {
        Path copy = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(file, copy);
        }
      }
    }
  }

  private static void copyQuietly(Path source, Path target) {
    try {
      Files.copy(source, target);
    } catch (IOException e) {
      throw new IllegalStateException("Copying " + source + " failed", e);
    }
  }

  private static Optional<Path> codeSourceOf(String className) {
    try {
      return Optional.of(codeSource(Class.forName(className)));
    } catch (ClassNotFoundException e) {
      return Optional.empty();
    }
  }

  private static Path codeSource(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("Invalid code source of " + type.getName(), e);
    }
  }

  /** The exit code and the combined stdout and stderr of one docker CLI call. */
  record Result(int exitCode, String output) {}

  static Result docker(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add("docker");
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    try {
      if (!process.waitFor(DOCKER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(
            "docker " + args[0] + " did not finish within " + DOCKER_TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while waiting for docker " + args[0], e);
    }
    return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }
}
