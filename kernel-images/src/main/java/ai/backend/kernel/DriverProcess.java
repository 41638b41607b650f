package ai.backend.kernel;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One language driver process and the threads that talk to it.
 *
 * <p>Control channel: the runner writes one JSON array {@code [operation, payload]} per line to the
 * driver's stdin, and the driver writes one JSON array {@code [recordType, payload]} per line to
 * its stdout, in UTF-8. The driver sends {@code ["ready", null]} or {@code ["ready", {"features":
 * [...]}]} once it takes requests, then records from the agent protocol. A payload that is not a
 * string, such as the {@code {"exitCode": 0}} of {@code finished}, is forwarded as JSON text. A
 * line longer than {@link #MAX_LINE_BYTES} is dropped and reported as a {@code stderr} record. The
 * driver writes its own log lines to stderr, and the runner copies them into its log.
 * kernel-images/README.md describes the whole protocol.
 *
 * <p>The driver must lead its process group, because {@link #interrupt()}, {@link #kill()} and
 * {@link #stop()} signal that group.
 */
final class DriverProcess {

  /** Receives what a driver sends, on the driver's reader thread. */
  interface Listener {
    void driverReady(DriverProcess driver);

    void driverRecord(DriverProcess driver, Record record);

    /** Called once after the driver's stdout closed and the process ended. */
    void driverExited(DriverProcess driver, int exitCode);
  }

  static final String READY = "ready";

  /** Feature of a driver that handles {@code input} requests and sends {@code waiting-input}. */
  static final String FEATURE_INPUT = "input";

  /** Feature of a driver that handles {@code complete} requests and sends a {@code completion}. */
  static final String FEATURE_COMPLETE = "complete";

  /**
   * Maximum length of one control line from the driver. It bounds the runner's memory, which has a
   * 64 MiB heap in containers, and leaves room for the Python driver's media records of up to 4
   * MiB.
   */
  static final int MAX_LINE_BYTES = 8 * 1024 * 1024;

  private static final RunnerLog LOG = RunnerLog.forClass(DriverProcess.class);
  private static final JsonFactory JSON = new JsonFactory();

  /**
   * Request-queue marker, compared by identity, that makes the writer thread close the driver's
   * stdin.
   */
  @SuppressWarnings("StringOperationCanBeSimplified")
  private static final String CLOSE_STDIN = new String("close stdin");

  private static final long STOP_GRACE_SECONDS = 2;

  /**
   * How long an exited driver's exit report waits for the rest of its stderr. A child process of
   * the driver that keeps stderr open does not delay the report longer.
   */
  private static final long LOG_DRAIN_MILLIS = 500;

  private static final int READ_BUFFER_BYTES = 65536;

  private final Process process;
  private final Listener listener;
  private final boolean jailed;
  private final BlockingQueue<String> requestLines = new LinkedBlockingQueue<>();
  private volatile Set<String> features = Set.of();
  private volatile String lastLogLine = "";
  private Thread logCopier;

  private DriverProcess(Process process, Listener listener, boolean jailed) {
    this.process = process;
    this.listener = listener;
    this.jailed = jailed;
  }

  /**
   * Starts the driver in {@code workDir} with the runner's environment and {@code environment}, and
   * with the oom_score_adj of user code ({@link OomScore}).
   */
  static DriverProcess start(
      List<String> command, Map<String, String> environment, Path workDir, Listener listener)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(OomScore.wrap(command)).directory(workDir.toFile());
    UserEnvironment.removeCarriers(builder.environment());
    builder.environment().putAll(environment);
    Process process = builder.start();
    DriverProcess driver = new DriverProcess(process, listener, OomScore.isJail(command));
    // The reader joins the log copier, so the copier must exist before the reader starts.
    driver.logCopier = startDaemon(driver::copyLog, "driver-" + process.pid() + "-log");
    startDaemon(driver::readLoop, "driver-" + process.pid() + "-reader");
    startDaemon(driver::writeLoop, "driver-" + process.pid() + "-writer");
    return driver;
  }

  long pid() {
    return process.pid();
  }

  /**
   * Returns the last line that the driver wrote to stderr, such as the jail's message when it
   * cannot run the interpreter, or an empty string.
   */
  String lastLogLine() {
    return lastLogLine;
  }

  /** Returns true if the driver's ready record listed the feature, such as {@code input}. */
  boolean hasFeature(String feature) {
    return features.contains(feature);
  }

  /** Queues a request for the writer thread without blocking, because the queue is unbounded. */
  void send(String operation, String payload) {
    requestLines.add(encodeRequest(operation, payload));
  }

  /** Sends SIGINT to the driver's process group. */
  void interrupt() {
    ProcessGroups.signal(pid(), "INT", process::isAlive);
  }

  /** Sends SIGKILL to the driver's process group and to the driver, in case the group is gone. */
  void kill() {
    ProcessGroups.signal(pid(), "KILL", process::isAlive);
    process.destroyForcibly();
  }

  /**
   * Stops the driver: closes its stdin, which makes a healthy driver exit, then sends SIGTERM and
   * finally SIGKILL to its process group, which also ends what user code left running.
   */
  void stop() {
    requestLines.add(CLOSE_STDIN);
    try {
      if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
        LOG.warning("Driver " + pid() + " did not exit after its stdin closed; sending SIGTERM.");
      }
      ProcessGroups.signal(pid(), "TERM", process::isAlive);
      if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
        LOG.warning("Driver " + pid() + " did not exit after SIGTERM; sending SIGKILL.");
        process.destroyForcibly();
      }
      ProcessGroups.signal(pid(), "KILL", process::isAlive);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private void writeLoop() {
    try (Writer stdin =
        new BufferedWriter(
            new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8))) {
      while (true) {
        String line = requestLines.take();
        if (line == CLOSE_STDIN) {
          return;
        }
        stdin.write(line);
        stdin.write('\n');
        stdin.flush();
      }
    } catch (IOException e) {
      // The driver has exited, which the reader thread reports.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void readLoop() {
    try (InputStream stdout = process.getInputStream()) {
      readLines(stdout);
    } catch (IOException e) {
      LOG.error("Reading from driver " + pid() + " failed", e);
    }
    requestLines.add(CLOSE_STDIN);
    int exitCode = waitForExit();
    awaitLogCopied();
    listener.driverExited(this, exitCode);
  }

  /**
   * Splits the stream into lines and dispatches each, dropping lines longer than {@link
   * #MAX_LINE_BYTES} without buffering them. A last line without a newline is dispatched too.
   */
  private void readLines(InputStream stdout) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    long droppedBytes = 0;
    byte[] buffer = new byte[READ_BUFFER_BYTES];
    int count;
    while ((count = stdout.read(buffer)) != -1) {
      int start = 0;
      for (int i = 0; i < count; i++) {
        if (buffer[i] != '\n') {
          continue;
        }
        if (droppedBytes > 0) {
          reportDroppedLine(droppedBytes + i - start);
          droppedBytes = 0;
        } else {
          line.write(buffer, start, i - start);
          dispatch(line.toString(StandardCharsets.UTF_8));
        }
        line = resetLine(line);
        start = i + 1;
      }
      int rest = count - start;
      if (droppedBytes > 0) {
        droppedBytes += rest;
      } else if (line.size() + rest > MAX_LINE_BYTES) {
        droppedBytes = line.size() + rest;
        line = resetLine(line);
      } else {
        line.write(buffer, start, rest);
      }
    }
    if (droppedBytes > 0) {
      reportDroppedLine(droppedBytes);
    } else if (line.size() > 0) {
      dispatch(line.toString(StandardCharsets.UTF_8));
    }
  }

  /** Empties the line buffer, and replaces it if it grew large, so its memory is freed. */
  private static ByteArrayOutputStream resetLine(ByteArrayOutputStream line) {
    if (line.size() > READ_BUFFER_BYTES) {
      return new ByteArrayOutputStream();
    }
    line.reset();
    return line;
  }

  private void reportDroppedLine(long bytes) {
    LOG.warning(
        "Dropped a control line of "
            + bytes
            + " bytes from driver "
            + pid()
            + "; the maximum is "
            + MAX_LINE_BYTES
            + ".");
    listener.driverRecord(
        this,
        new Record(
            "stderr",
            "The runner dropped a record of "
                + bytes
                + " bytes from the language driver, because records may have at most "
                + MAX_LINE_BYTES
                + " bytes.\n"));
  }

  /** Waits up to {@link #LOG_DRAIN_MILLIS} for the log copier to reach the end of stderr. */
  private void awaitLogCopied() {
    try {
      logCopier.join(LOG_DRAIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void copyLog() {
    try (BufferedReader stderr =
        new BufferedReader(
            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = stderr.readLine()) != null) {
        LOG.info("Driver " + pid() + ": " + line);
        lastLogLine = abbreviate(line);
      }
    } catch (IOException e) {
      LOG.error("Reading the log of driver " + pid() + " failed", e);
    }
  }

  private void dispatch(String line) {
    Record record;
    try {
      record = decodeRecord(line);
    } catch (IOException e) {
      String reason =
          e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
      LOG.warning("Ignored an invalid control line from driver " + pid() + ": " + reason);
      return;
    }
    if (READY.equals(record.type())) {
      if (!jailed) {
        OomScore.confirm(pid(), process::isAlive);
      }
      features = decodeFeatures(record.payload());
      listener.driverReady(this);
    } else {
      listener.driverRecord(this, record);
    }
  }

  /** Waits for the process to end, which follows soon after its stdout closed. */
  private int waitForExit() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return process.waitFor();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static String encodeRequest(String operation, String payload) {
    StringWriter text = new StringWriter();
    try (JsonGenerator generator = JSON.createGenerator(text)) {
      generator.writeStartArray();
      generator.writeString(operation);
      generator.writeString(payload);
      generator.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException("Writing JSON to a StringWriter failed", e);
    }
    return text.toString();
  }

  /**
   * Decodes {@code [recordType, payload]}. A string payload is returned as is, null as empty text,
   * and any other JSON value as its JSON text.
   */
  static Record decodeRecord(String line) throws IOException {
    try (JsonParser parser = JSON.createParser(line)) {
      if (parser.nextToken() != JsonToken.START_ARRAY
          || parser.nextToken() != JsonToken.VALUE_STRING) {
        throw new IOException("expected [recordType, payload] but got: " + abbreviate(line));
      }
      String type = parser.getText();
      JsonToken payloadToken = parser.nextToken();
      String payload;
      if (payloadToken == JsonToken.VALUE_STRING) {
        payload = parser.getText();
      } else if (payloadToken == JsonToken.VALUE_NULL) {
        payload = "";
      } else if (payloadToken == JsonToken.END_ARRAY) {
        return new Record(type, "");
      } else {
        StringWriter json = new StringWriter();
        try (JsonGenerator generator = JSON.createGenerator(json)) {
          generator.copyCurrentStructure(parser);
        }
        payload = json.toString();
      }
      if (parser.nextToken() != JsonToken.END_ARRAY) {
        throw new IOException("expected the array to end after the payload: " + abbreviate(line));
      }
      return new Record(type, payload);
    }
  }

  /**
   * Returns the {@code features} list of a ready record's payload, such as {@code {"features":
   * ["input", "complete"]}}, or an empty set for a null payload or any other shape.
   */
  static Set<String> decodeFeatures(String payload) {
    Set<String> features = new HashSet<>();
    if (payload.isEmpty()) {
      return Set.of();
    }
    try (JsonParser parser = JSON.createParser(payload)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return Set.of();
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.getCurrentName();
        JsonToken value = parser.nextToken();
        if (field.equals("features") && value == JsonToken.START_ARRAY) {
          while (parser.nextToken() == JsonToken.VALUE_STRING) {
            features.add(parser.getText());
          }
        } else {
          parser.skipChildren();
        }
      }
    } catch (IOException e) {
      LOG.warning("Ignored the invalid payload of a ready record: " + abbreviate(payload));
      return Set.of();
    }
    return Set.copyOf(features);
  }

  private static String abbreviate(String line) {
    return line.length() <= 200 ? line : line.substring(0, 200) + "...";
  }

  private static Thread startDaemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
