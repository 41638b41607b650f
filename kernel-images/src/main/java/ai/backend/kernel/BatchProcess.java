package ai.backend.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One shell command of batch mode, run as {@code setsid /bin/sh -c COMMAND} so that it leads a
 * process group of its own, which {@link #interrupt()} and {@link #kill()} signal.
 *
 * <p>Its stdout and stderr are decoded as UTF-8 with replacement and passed on as {@code stdout}
 * and {@code stderr} records of at most {@link #READ_BUFFER_BYTES} characters, as they arrive. Each
 * stream is read by its own thread, so the order between stdout and stderr text is only as exact as
 * the two threads' timing. Text given to {@link #writeInput} goes to its stdin, which stays open
 * until the process exits.
 *
 * <p>NOTE: A batch program that waits for stdin causes no {@code waiting-input} record, because the
 * runner cannot tell that it waits, so the client has to send input without being asked.
 */
final class BatchProcess {

  /** Receives output and the exit, on the process's own threads. */
  interface Listener {
    void batchOutput(BatchProcess source, Record record);

    /**
     * Called once after the process exited and its output was passed on.
     *
     * @param pipesOpen true if stdout or stderr was still open {@link #PIPE_DRAIN_MILLIS} after the
     *     exit, because a background process keeps it open; its later output still arrives through
     *     {@link #batchOutput}
     */
    void batchExited(BatchProcess source, int exitCode, boolean pipesOpen);
  }

  static final int READ_BUFFER_BYTES = 65536;

  /** How long the exit waits for the output pipes to close after the shell has exited. */
  static final long PIPE_DRAIN_MILLIS = 1_000;

  private static final RunnerLog LOG = RunnerLog.forClass(BatchProcess.class);

  /** Input-queue marker, compared by identity, that makes the writer thread close stdin. */
  @SuppressWarnings("StringOperationCanBeSimplified")
  private static final String CLOSE_STDIN = new String("close stdin");

  private final Process process;
  private final Listener listener;
  private final BlockingQueue<String> inputs = new LinkedBlockingQueue<>();
  private Thread stdoutReader;
  private Thread stderrReader;

  private BatchProcess(Process process, Listener listener) {
    this.process = process;
    this.listener = listener;
  }

  /**
   * Starts {@code setsid /bin/sh -c command} in {@code workDir} with the runner's environment.
   *
   * @param setsid path of the setsid program
   */
  static BatchProcess start(String setsid, String command, Path workDir, Listener listener)
      throws IOException {
    Process process =
        new ProcessBuilder(List.of(setsid, "/bin/sh", "-c", command))
            .directory(workDir.toFile())
            .start();
    BatchProcess batch = new BatchProcess(process, listener);
    String prefix = "batch-" + process.pid();
    batch.stdoutReader =
        startDaemon(() -> batch.pump(process.getInputStream(), "stdout"), prefix + "-stdout");
    batch.stderrReader =
        startDaemon(() -> batch.pump(process.getErrorStream(), "stderr"), prefix + "-stderr");
    startDaemon(batch::writeLoop, prefix + "-stdin");
    startDaemon(batch::awaitExit, prefix + "-wait");
    return batch;
  }

  long pid() {
    return process.pid();
  }

  /** Queues text for the process's stdin without blocking. */
  void writeInput(String text) {
    inputs.add(text);
  }

  /** Sends SIGINT to the process group. */
  void interrupt() {
    ProcessGroups.signal(pid(), "INT", process::isAlive);
  }

  /** Sends SIGKILL to the process group and to the shell, in case the group signal failed. */
  void kill() {
    ProcessGroups.signal(pid(), "KILL", process::isAlive);
    process.destroyForcibly();
  }

  /** Returns true while a reader thread still waits for its pipe to close. */
  boolean pipesOpen() {
    return stdoutReader.isAlive() || stderrReader.isAlive();
  }

  /** Reads one output stream to its end and passes the text on. */
  private void pump(InputStream stream, String recordType) {
    Utf8.Decoder decoder = new Utf8.Decoder();
    byte[] buffer = new byte[READ_BUFFER_BYTES];
    try (stream) {
      int count;
      while ((count = stream.read(buffer)) != -1) {
        // Takes what else is already in the pipe, so a fast writer makes fewer, larger records.
        while (count < buffer.length && stream.available() > 0) {
          int more = stream.read(buffer, count, buffer.length - count);
          if (more < 0) {
            break;
          }
          count += more;
        }
        emit(recordType, decoder.decode(buffer, 0, count));
      }
    } catch (IOException e) {
      LOG.error("Reading the " + recordType + " of batch process " + pid() + " failed", e);
    }
    emit(recordType, decoder.finish());
  }

  private void emit(String recordType, String text) {
    if (!text.isEmpty()) {
      listener.batchOutput(this, new Record(recordType, text));
    }
  }

  private void writeLoop() {
    try (OutputStream stdin = process.getOutputStream()) {
      while (true) {
        String text = inputs.take();
        if (text == CLOSE_STDIN) {
          return;
        }
        stdin.write(text.getBytes(StandardCharsets.UTF_8));
        stdin.flush();
      }
    } catch (IOException e) {
      LOG.warning(
          "Writing input to batch process "
              + pid()
              + " failed, so it is dropped: "
              + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitExit() {
    int exitCode = waitForProcess();
    boolean drained = true;
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PIPE_DRAIN_MILLIS);
      for (Thread reader : List.of(stdoutReader, stderrReader)) {
        long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        reader.join(Math.max(1, remainingMillis));
        drained &= !reader.isAlive();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    inputs.add(CLOSE_STDIN);
    listener.batchExited(this, exitCode, !drained);
  }

  private int waitForProcess() {
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

  private static Thread startDaemon(Runnable task, String name) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
