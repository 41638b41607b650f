package ai.backend.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One shell command of batch mode, run as {@code setsid /bin/sh -c COMMAND} so that it leads a
 * process group of its own, which {@link #interrupt()} and {@link #kill()} signal. Under the jail
 * it runs as {@code jail --setsid ... -- /bin/sh -c COMMAND}: the jail leads the group that is
 * signalled and passes SIGINT on to the shell's group (see {@link Jail}).
 *
 * <p>Its stdout and stderr are decoded as UTF-8 with replacement and passed on as {@code stdout}
 * and {@code stderr} records of at most {@link #READ_BUFFER_BYTES} characters, as they arrive. Each
 * stream is read by its own thread, so the order between stdout and stderr text is only as exact as
 * the two threads' timing. Text given to {@link #writeInput} goes to its stdin, which stays open
 * until the process exits.
 *
 * <p>While the process lives and all input given to it is written, a watch thread checks every
 * {@link #STDIN_POLL_MILLIS} ms whether the shell or one of its descendants is blocked reading the
 * stdin pipe ({@link StdinWaitDetector}). Once a second check {@link #STDIN_CONFIRM_MILLIS} ms
 * later finds the read too, with no output being passed on at either check, it calls {@link
 * Listener#batchWaitingInput} once, and checks again only after the next input is written. The
 * second check lets the reader threads pass on a prompt that the program wrote just before it began
 * to read, so the prompt comes before the call.
 *
 * <p>NOTE: A program that waits for stdin in {@code poll}, {@code select}, {@code epoll} or a
 * non-blocking read (Node.js does) is not detected, and gets input only when the client sends it
 * without being asked. A command that keeps writing output while it waits may get the call late or
 * not at all, because a check counts only while no output is being passed on.
 */
final class BatchProcess {

  /** Receives output, waits for stdin and the exit, on the process's own threads. */
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

    /** Called once for each wait for stdin that the watch detects. */
    void batchWaitingInput(BatchProcess source);
  }

  static final int READ_BUFFER_BYTES = 65536;

  /** How long the exit waits for the output pipes to close after the shell has exited. */
  static final long PIPE_DRAIN_MILLIS = 1_000;

  /**
   * Time between two checks of /proc for a process that waits for stdin. The checks cost the runner
   * about 1% of one core: 290 ms of CPU time more during a 30 s {@code sleep 30} command in the C
   * image than with the checks turned off, at this interval.
   */
  static final long STDIN_POLL_MILLIS = 100;

  /**
   * Time from a check that found a wait to the check that confirms it. It gives the reader threads
   * time to pass on output that the program wrote just before it began to read.
   */
  static final long STDIN_CONFIRM_MILLIS = 20;

  /** Time between two looks for the shell that the jail starts. */
  private static final long JAILED_SHELL_POLL_MILLIS = 5;

  private static final RunnerLog LOG = RunnerLog.forClass(BatchProcess.class);

  /** Input-queue marker, compared by identity, that makes the writer thread close stdin. */
  @SuppressWarnings("StringOperationCanBeSimplified")
  private static final String CLOSE_STDIN = new String("close stdin");

  private final Process process;
  private final Listener listener;
  private final boolean jailed;
  private final BlockingQueue<String> inputs = new LinkedBlockingQueue<>();

  /**
   * Number of texts given to {@link #writeInput} that the writer thread has not finished writing.
   */
  private final AtomicInteger unwrittenInputs = new AtomicInteger();

  /** Number of texts written to stdin, counting one that was dropped because writing failed. */
  private final AtomicLong writtenInputs = new AtomicLong();

  /** Number of output chunks that a reader thread has read and not yet passed on. */
  private final AtomicInteger outputInFlight = new AtomicInteger();

  /**
   * Lock held while the listener is called for a wait for stdin or for the exit, so that no wait is
   * reported after the exit.
   */
  private final Object eventLock = new Object();

  // Guarded by eventLock.
  private boolean exitReported;

  private Thread stdoutReader;
  private Thread stderrReader;

  private BatchProcess(Process process, Listener listener, boolean jailed) {
    this.process = process;
    this.listener = listener;
    this.jailed = jailed;
  }

  /**
   * Starts {@code /bin/sh -c command} under the jail, or through setsid without it, in {@code
   * workDir} with the runner's environment, the variables of {@code settings} and the oom_score_adj
   * of user code ({@link OomScore}), and watches its stdin unless the settings turn that off.
   *
   * @param settings the jail or the setsid program, one of which must be there (see {@link
   *     BatchSettings#canStart()}), and the other batch settings
   */
  static BatchProcess start(BatchSettings settings, String command, Path workDir, Listener listener)
      throws IOException {
    List<String> shell = List.of("/bin/sh", "-c", command);
    boolean jailed = settings.jail().enabled();
    List<String> commandLine = new ArrayList<>();
    if (jailed) {
      commandLine.addAll(settings.jail().wrap(shell));
    } else {
      commandLine.add(settings.setsid().orElseThrow());
      commandLine.addAll(shell);
    }
    ProcessBuilder builder =
        new ProcessBuilder(OomScore.wrap(commandLine)).directory(workDir.toFile());
    UserEnvironment.removeCarriers(builder.environment());
    builder.environment().putAll(settings.environment());
    Process process = builder.start();
    BatchProcess batch = new BatchProcess(process, listener, jailed);
    String prefix = "batch-" + process.pid();
    batch.stdoutReader =
        startDaemon(() -> batch.pump(process.getInputStream(), "stdout"), prefix + "-stdout");
    batch.stderrReader =
        startDaemon(() -> batch.pump(process.getErrorStream(), "stderr"), prefix + "-stderr");
    startDaemon(batch::writeLoop, prefix + "-stdin");
    startDaemon(batch::awaitExit, prefix + "-wait");
    if (!settings.readSyscalls().isEmpty()) {
      startDaemon(() -> batch.watchStdin(settings.readSyscalls()), prefix + "-stdin-watch");
    }
    return batch;
  }

  long pid() {
    return process.pid();
  }

  /** Queues text for the process's stdin without blocking. */
  void writeInput(String text) {
    unwrittenInputs.incrementAndGet();
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
        outputInFlight.incrementAndGet();
        try {
          // Takes what else is already in the pipe, so a fast writer makes fewer, larger records.
          while (count < buffer.length && stream.available() > 0) {
            int more = stream.read(buffer, count, buffer.length - count);
            if (more < 0) {
              break;
            }
            count += more;
          }
          emit(recordType, decoder.decode(buffer, 0, count));
        } finally {
          outputInFlight.decrementAndGet();
        }
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
        try {
          stdin.write(text.getBytes(StandardCharsets.UTF_8));
          stdin.flush();
        } finally {
          writtenInputs.incrementAndGet();
          unwrittenInputs.decrementAndGet();
        }
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

  /**
   * Checks /proc every {@link #STDIN_POLL_MILLIS} ms until the process exits, and reports each wait
   * for stdin once it is confirmed. Stops early, with a warning, if Linux denies reading the
   * processes' files.
   */
  private void watchStdin(Set<Long> readSyscalls) {
    Optional<Long> root = jailed ? awaitJailedShell() : Optional.of(pid());
    if (root.isEmpty()) {
      return;
    }
    Optional<StdinWaitDetector> found;
    try {
      found = StdinWaitDetector.forProcess(StdinWaitDetector.PROC, root.get(), readSyscalls);
    } catch (AccessDeniedException e) {
      logWatchStopped(e);
      return;
    }
    if (found.isEmpty()) {
      return;
    }
    StdinWaitDetector detector = found.get();
    // writtenInputs at the last report; no report follows until another input is written.
    long reportedAt = -1;
    // writtenInputs at the last check that saw a wait, or -1 if the last check saw none.
    long seenAt = -1;
    while (!waitForExit(seenAt == -1 ? STDIN_POLL_MILLIS : STDIN_CONFIRM_MILLIS)) {
      long written = writtenInputs.get();
      if (unwrittenInputs.get() > 0 || written == reportedAt) {
        seenAt = -1;
        continue;
      }
      boolean waiting;
      try {
        waiting = outputInFlight.get() == 0 && detector.isWaiting(processIds());
      } catch (AccessDeniedException e) {
        logWatchStopped(e);
        return;
      }
      if (!waiting) {
        seenAt = -1;
      } else if (seenAt != written) {
        seenAt = written;
      } else {
        reportedAt = written;
        seenAt = -1;
        synchronized (eventLock) {
          if (!exitReported) {
            listener.batchWaitingInput(this);
          }
        }
      }
    }
  }

  /**
   * Returns the shell's pid and those of its descendants that are alive now. Under the jail the
   * jail's own pid is left out: the jail makes itself non-dumpable, so its /proc files are root's.
   */
  private List<Long> processIds() {
    List<Long> pids = new ArrayList<>();
    if (!jailed) {
      pids.add(pid());
    }
    process.descendants().forEach(handle -> pids.add(handle.pid()));
    return pids;
  }

  /**
   * Waits until the jail has started the shell, its only child, and returns the shell's pid, or
   * empty if the jail exits first.
   */
  private Optional<Long> awaitJailedShell() {
    while (true) {
      Optional<ProcessHandle> shell = process.children().findFirst();
      if (shell.isPresent()) {
        return Optional.of(shell.get().pid());
      }
      if (waitForExit(JAILED_SHELL_POLL_MILLIS)) {
        return Optional.empty();
      }
    }
  }

  private void logWatchStopped(AccessDeniedException e) {
    LOG.warning(
        "Cannot read "
            + e.getFile()
            + " ("
            + e.getReason()
            + "), so batch process "
            + pid()
            + " gets no waiting-input records.");
  }

  /** Waits up to {@code millis} for the process to exit, and returns true once it has. */
  private boolean waitForExit(long millis) {
    try {
      return process.waitFor(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private void awaitExit() {
    if (!jailed) {
      OomScore.confirm(pid(), process::isAlive);
    }
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
    synchronized (eventLock) {
      exitReported = true;
      listener.batchExited(this, exitCode, !drained);
    }
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
