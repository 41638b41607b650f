package ai.backend.kernel;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One language driver process and the threads that talk to it.
 *
 * <p>Control channel: the runner writes one JSON array {@code [operation, payload]} per line to the
 * driver's stdin, and the driver writes one JSON array {@code [recordType, payload]} per line to
 * its stdout. The driver sends {@code ["ready", null]} once it takes requests, then records from
 * the agent protocol, with one {@code finished} record per request. A payload that is not a string,
 * such as the {@code {"exitCode": 0}} of {@code finished}, is forwarded as JSON text. The driver
 * writes its own log lines to stderr, and the runner copies them into its log.
 *
 * <p>The driver must make itself a process group leader, because {@link #interrupt()} and {@link
 * #stop()} signal its process group.
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

  private static final RunnerLog LOG = RunnerLog.forClass(DriverProcess.class);
  private static final JsonFactory JSON = new JsonFactory();

  /**
   * Request-queue marker, compared by identity, that makes the writer thread close the driver's
   * stdin.
   */
  @SuppressWarnings("StringOperationCanBeSimplified")
  private static final String CLOSE_STDIN = new String("close stdin");

  private static final long STOP_GRACE_SECONDS = 2;
  private static final long SIGNAL_COMMAND_TIMEOUT_SECONDS = 5;

  private final Process process;
  private final Listener listener;
  private final BlockingQueue<String> requestLines = new LinkedBlockingQueue<>();

  private DriverProcess(Process process, Listener listener) {
    this.process = process;
    this.listener = listener;
  }

  /** Starts the driver with the runner's working directory and environment. */
  static DriverProcess start(List<String> command, Listener listener) throws IOException {
    Process process = new ProcessBuilder(command).start();
    DriverProcess driver = new DriverProcess(process, listener);
    startDaemon(driver::readLoop, "driver-" + process.pid() + "-reader");
    startDaemon(driver::writeLoop, "driver-" + process.pid() + "-writer");
    startDaemon(driver::copyLog, "driver-" + process.pid() + "-log");
    return driver;
  }

  long pid() {
    return process.pid();
  }

  /** Queues a request for the writer thread without blocking, because the queue is unbounded. */
  void send(String operation, String payload) {
    requestLines.add(encodeRequest(operation, payload));
  }

  /** Sends SIGINT to the driver's process group. */
  void interrupt() {
    signalGroup("INT");
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
      signalGroup("TERM");
      if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
        LOG.warning("Driver " + pid() + " did not exit after SIGTERM; sending SIGKILL.");
        process.destroyForcibly();
      }
      signalGroup("KILL");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /**
   * Sends a signal to the driver's process group through the shell's kill builtin, because Process
   * can only send SIGTERM and SIGKILL to one process. A group that no longer exists is not an
   * error.
   */
  private void signalGroup(String signal) {
    List<String> command = List.of("/bin/sh", "-c", "kill -s " + signal + " -- -" + pid());
    try {
      Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(SIGNAL_COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        LOG.warning("Timed out sending SIG" + signal + " to process group " + pid() + ".");
      } else if (kill.exitValue() != 0 && process.isAlive()) {
        LOG.warning(
            "Sending SIG" + signal + " to process group " + pid() + " failed: " + output.strip());
      }
    } catch (IOException e) {
      LOG.error("Cannot run /bin/sh to send SIG" + signal + " to " + pid(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
    try (BufferedReader stdout =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = stdout.readLine()) != null) {
        dispatch(line);
      }
    } catch (IOException e) {
      LOG.error("Reading from driver " + pid() + " failed", e);
    }
    requestLines.add(CLOSE_STDIN);
    int exitCode = waitForExit();
    listener.driverExited(this, exitCode);
  }

  private void copyLog() {
    try (BufferedReader stderr =
        new BufferedReader(
            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = stderr.readLine()) != null) {
        LOG.info("Driver " + pid() + ": " + line);
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
      LOG.warning("Ignored an invalid control line from driver " + pid() + ": " + e.getMessage());
      return;
    }
    if (READY.equals(record.type())) {
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

  private static String abbreviate(String line) {
    return line.length() <= 200 ? line : line.substring(0, 200) + "...";
  }

  private static void startDaemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
  }
}
