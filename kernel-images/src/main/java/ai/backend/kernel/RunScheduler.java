package ai.backend.kernel;

import ai.backend.kernel.tools.RunnerClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Works through the agent's requests one at a time, in the order they arrive: {@code code} and
 * {@code complete} in the language driver, and {@code clean}, {@code build} and {@code exec} as
 * shell commands ({@link BatchProcess}). Each request ends with one record: {@code finished},
 * {@code clean-finished}, {@code build-finished} or {@code completion}.
 *
 * <p>Rules that the agent relies on:
 *
 * <ul>
 *   <li>A {@code complete} request that arrives while another request is active or queued gets an
 *       empty completion at once, so a completion does not wait for a run.
 *   <li>{@code input} goes to the active request: to the driver, if it has the {@code input}
 *       feature, or to the batch command's stdin with a newline added. Without an active request it
 *       is dropped.
 *   <li>{@code interrupt} sends SIGINT to the active request's process group, and a batch command
 *       gets a second SIGINT {@link #BATCH_INTERRUPT_REPEAT_MILLIS} later. If the request has not
 *       ended {@link #INTERRUPT_GRACE_MILLIS} after the interrupt, the group gets SIGKILL: a killed
 *       driver is restarted and its state is lost, and the request ends with exit code 137 and a
 *       stderr record that reports it.
 *   <li>A {@code clean} or {@code build} step that fails makes the following {@code build} and
 *       {@code exec} steps of the same batch end at once with the failed step's exit code.
 *   <li>A batch command that blocks reading its stdin gets one {@code waiting-input} record per
 *       wait, always before its end record ({@link BatchProcess}).
 *   <li>If the container's OOM kill count grew between the start and the end of a {@code code} or
 *       batch request, a stderr record before the end record reports that the session ran out of
 *       memory ({@link OomKills}). It reports that the program was stopped if the driver died or
 *       the batch command exited with 137, and that a process of the session was stopped otherwise.
 * </ul>
 *
 * <p>Records of a request are sent by the thread that reads its output, which also sends the
 * request's end record, so they keep their order. The sink is called outside this object's lock.
 */
final class RunScheduler implements DriverSupervisor.Listener, BatchProcess.Listener {

  private static final RunnerLog LOG = RunnerLog.forClass(RunScheduler.class);

  /** Time from an interrupt to SIGKILL for a request that has not ended. */
  static final long INTERRUPT_GRACE_MILLIS = 2_000;

  /**
   * Time from an interrupt to a second SIGINT for a batch command that has not ended. dash, the
   * /bin/sh of Debian, catches SIGINT under {@code -c}, and a SIGINT that arrives while it starts a
   * program never reaches that program. With dash 0.5.12, a SIGINT sent right after the first
   * output of {@code echo x; sleep 5} left the command running in about half of 300 tries, and a
   * second SIGINT 1 s later stopped it in all of 100 tries.
   */
  static final long BATCH_INTERRUPT_REPEAT_MILLIS = 1_000;

  /** Time a completion may take before it is interrupted; the grace above follows. */
  static final long COMPLETION_TIMEOUT_MILLIS = 5_000;

  /** Exit code of a request whose process group was killed, as a shell reports SIGKILL. */
  static final int KILLED_EXIT_CODE = 137;

  /** Exit code of a batch step that could not start, as a shell reports a missing command. */
  static final int NOT_STARTED_EXIT_CODE = 127;

  static final Record EMPTY_COMPLETION = new Record("completion", "[]");

  /**
   * Record for a batch command that waits for stdin. The runner cannot tell a password prompt from
   * another one, so {@code isPassword} is always false.
   */
  static final Record WAITING_FOR_LINE = new Record("waiting-input", "{\"isPassword\":false}");

  /** Driver records that are forwarded to the agent whether or not a request is active. */
  private static final Set<String> OUTPUT_RECORDS =
      Set.of("stdout", "stderr", "media", "html", "log");

  private static final int LOGGED_COMMAND_CHARS = 200;

  /** A request from the agent that ends with a record of its own. */
  private record Request(long number, String operation, String payload) {

    String endType() {
      return switch (operation) {
        case "clean" -> "clean-finished";
        case "build" -> "build-finished";
        case "complete" -> "completion";
        default -> "finished";
      };
    }

    Record end(int exitCode) {
      return operation.equals("complete") ? EMPTY_COMPLETION : Record.finished(endType(), exitCode);
    }

    String describe() {
      return "Request " + number + " (" + operation + ")";
    }
  }

  /** The request being worked on. The scheduler's lock guards all fields but the final ones. */
  private static final class ActiveRequest {
    final Request request;
    final long startNanos = System.nanoTime();
    DriverProcess driver;
    BatchProcess batch;
    boolean interrupted;
    boolean killed;
    boolean ending;

    /** The cgroup's OOM kill count when the request started, or {@link OomKills#UNKNOWN}. */
    long oomKillsBefore = OomKills.UNKNOWN;

    ActiveRequest(Request request) {
      this.request = request;
    }
  }

  /** A batch step that failed, which makes the rest of its batch end at once. */
  private record FailedStep(String operation, int exitCode) {}

  private final String runtimeType;
  private final Path workDir;
  private final BatchDefaults batchDefaults;
  private final BatchSettings batchSettings;
  private final Consumer<Record> sink;
  private final OomKills oomKills;
  private final ScheduledExecutorService timer;

  // Guarded by this.
  private DriverSupervisor supervisor;
  private final Deque<Request> queue = new ArrayDeque<>();
  private ActiveRequest active;
  private FailedStep failedStep;
  private boolean interruptQueued;
  private long requestCount;
  private boolean closed;
  private final List<BatchProcess> lingeringBatches = new ArrayList<>();

  /**
   * @param runtimeType runtime type, used in messages
   * @param workDir working directory of batch commands
   * @param batchSettings how batch commands start
   * @param sink receives the records for the agent; called from several threads
   */
  RunScheduler(
      String runtimeType,
      Path workDir,
      BatchDefaults batchDefaults,
      BatchSettings batchSettings,
      Consumer<Record> sink) {
    this(runtimeType, workDir, batchDefaults, batchSettings, sink, MemoryCgroup.ofThisContainer());
  }

  /**
   * @param memoryCgroup the cgroup whose OOM kill count shows whether the OOM killer stopped a
   *     process during a request
   */
  RunScheduler(
      String runtimeType,
      Path workDir,
      BatchDefaults batchDefaults,
      BatchSettings batchSettings,
      Consumer<Record> sink,
      MemoryCgroup memoryCgroup) {
    this.oomKills = new OomKills(memoryCgroup);
    this.runtimeType = runtimeType;
    this.workDir = workDir;
    this.batchDefaults = batchDefaults;
    this.batchSettings = batchSettings;
    this.sink = sink;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "request-timer");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Sets the driver that runs code. Without one, only batch mode works. */
  synchronized void useDriver(DriverSupervisor driverSupervisor) {
    this.supervisor = driverSupervisor;
  }

  /** Queues a {@code code}, {@code clean}, {@code build} or {@code exec} request. */
  void submit(String operation, String payload) {
    synchronized (this) {
      if (closed) {
        return;
      }
      queue.addLast(new Request(++requestCount, operation, payload));
    }
    advance();
  }

  /** Queues a completion request, or sends an empty completion at once while anything runs. */
  void complete(String payload) {
    synchronized (this) {
      // A request that is ending has sent or is sending its end record, which the agent may
      // have received already.
      boolean idle = active == null || active.ending;
      if (!closed && idle && queue.isEmpty()) {
        queue.addLast(new Request(++requestCount, "complete", payload));
      } else {
        LOG.info("Answered a completion request with no matches because a request is active.");
        payload = null;
      }
    }
    if (payload == null) {
      sink.accept(EMPTY_COMPLETION);
    } else {
      advance();
    }
  }

  /** Passes one line of input to the active request. */
  void input(String line) {
    DriverProcess driver = null;
    BatchProcess batch = null;
    synchronized (this) {
      ActiveRequest current = active;
      if (current == null || current.ending) {
        LOG.warning("Dropped an input line because no request is active.");
        return;
      }
      if (current.batch != null) {
        batch = current.batch;
      } else if (current.driver != null
          && current.request.operation().equals("code")
          && current.driver.hasFeature(DriverProcess.FEATURE_INPUT)) {
        driver = current.driver;
      } else {
        LOG.warning(
            "Dropped an input line for "
                + current.request.describe()
                + " because the "
                + runtimeType
                + " driver does not read input.");
        return;
      }
    }
    if (batch != null) {
      batch.writeInput(line + "\n");
    } else {
      driver.send("input", line);
    }
  }

  /**
   * Interrupts the active request, or the next queued one if the active one is ending, because the
   * agent sends an interrupt after the request it is meant for. Does nothing while no request is
   * active or queued.
   */
  void interrupt() {
    ActiveRequest current;
    synchronized (this) {
      current = active;
      if (current == null || current.ending) {
        if (queue.isEmpty()) {
          LOG.info("Ignored an interrupt because no request is active.");
        } else {
          interruptQueued = true;
          LOG.info("The interrupt applies to " + queue.peekFirst().describe() + " once it starts.");
        }
        return;
      }
    }
    interrupt(current, "on request");
  }

  /** Kills what still runs and drops queued requests. */
  void close() {
    List<BatchProcess> batches = new ArrayList<>();
    synchronized (this) {
      closed = true;
      queue.clear();
      interruptQueued = false;
      if (active != null && active.batch != null) {
        batches.add(active.batch);
      }
      for (BatchProcess lingering : lingeringBatches) {
        if (lingering.pipesOpen()) {
          batches.add(lingering);
        }
      }
      lingeringBatches.clear();
    }
    timer.shutdownNow();
    for (BatchProcess batch : batches) {
      LOG.info("Killing batch process group " + batch.pid() + " because the runner stops.");
      batch.kill();
    }
  }

  // Driver events.

  @Override
  public void driverRecord(DriverProcess source, Record record) {
    switch (record.type()) {
      case "finished" -> endDriverRequest(source, record, "code");
      case "completion" -> endDriverRequest(source, record, "complete");
      case "waiting-input" -> {
        if (isActiveCode(source)) {
          sink.accept(record);
        } else {
          LOG.warning(
              "Ignored a waiting-input record from driver " + source.pid() + " outside a run.");
        }
      }
      default -> {
        if (OUTPUT_RECORDS.contains(record.type())) {
          sink.accept(record);
        } else {
          LOG.warning(
              "Ignored a '"
                  + record.type()
                  + "' record from driver "
                  + source.pid()
                  + "; unknown type.");
        }
      }
    }
  }

  @Override
  public void driverExited(DriverProcess source, int exitCode) {
    ActiveRequest current;
    synchronized (this) {
      current = active;
      if (current == null || current.driver != source || current.ending) {
        return;
      }
      current.ending = true;
    }
    Request request = current.request;
    List<Record> records = new ArrayList<>();
    int runExitCode;
    long oomKillCount =
        current.killed || request.operation().equals("complete")
            ? 0
            : oomKills.killsSince(current.oomKillsBefore, exitCode);
    if (oomKillCount > 0) {
      runExitCode = exitCode != 0 ? exitCode : 1;
      logOomKills(request, oomKillCount, true);
      records.add(new Record("stderr", oomKills.programStoppedMessage(runtimeType)));
    } else if (current.killed) {
      runExitCode = KILLED_EXIT_CODE;
      LOG.warning(request.describe() + " ended because its driver was killed.");
      records.add(
          new Record(
              "stderr",
              "The run did not stop within "
                  + INTERRUPT_GRACE_MILLIS / 1000
                  + " s after the interrupt, so the "
                  + runtimeType
                  + " driver was killed. Its variables are lost, and the runner starts a new driver.\n"));
    } else {
      runExitCode = exitCode != 0 ? exitCode : 1;
      LOG.warning(
          request.describe() + " failed because the driver exited with code " + exitCode + ".");
      records.add(
          new Record(
              "stderr",
              "The "
                  + runtimeType
                  + " driver exited with code "
                  + exitCode
                  + " during this run. Its variables are lost, and the runner starts a new driver.\n"));
    }
    if (request.operation().equals("complete")) {
      records.clear();
    }
    records.add(request.end(runExitCode));
    end(current, records, runExitCode);
  }

  // Batch events.

  @Override
  public void batchOutput(BatchProcess source, Record record) {
    sink.accept(record);
  }

  @Override
  public void batchExited(BatchProcess source, int exitCode, boolean pipesOpen) {
    ActiveRequest current;
    synchronized (this) {
      current = active;
      if (pipesOpen) {
        lingeringBatches.removeIf(batch -> !batch.pipesOpen());
        lingeringBatches.add(source);
      }
      if (current == null || current.batch != source || current.ending) {
        return;
      }
      current.ending = true;
    }
    if (pipesOpen) {
      LOG.warning(
          current.request.describe()
              + ": the shell exited, but a background process keeps its output open; its later"
              + " output is sent outside the run.");
    }
    List<Record> records = new ArrayList<>();
    if (current.killed) {
      records.add(
          new Record(
              "stderr",
              "The command did not stop within "
                  + INTERRUPT_GRACE_MILLIS / 1000
                  + " s after the interrupt, so its process group was killed.\n"));
    } else {
      long oomKillCount = oomKills.killsSince(current.oomKillsBefore, exitCode);
      if (oomKillCount > 0) {
        // A shell that the OOM killer stopped, or whose last command it stopped, exits with 137.
        boolean programStopped = exitCode == OomKills.SIGKILL_EXIT_CODE;
        logOomKills(current.request, oomKillCount, programStopped);
        records.add(
            new Record(
                "stderr",
                programStopped
                    ? oomKills.programStoppedMessage(null)
                    : oomKills.processStoppedMessage()));
      }
    }
    records.add(current.request.end(exitCode));
    end(current, records, exitCode);
  }

  @Override
  public void batchWaitingInput(BatchProcess source) {
    Request request;
    synchronized (this) {
      if (active == null || active.batch != source || active.ending) {
        return;
      }
      request = active.request;
    }
    LOG.info(request.describe() + " waits for input.");
    sink.accept(WAITING_FOR_LINE);
  }

  // Scheduling.

  /**
   * Starts queued requests until one keeps running or the queue is empty. Requests that end at
   * once, such as a skipped step, have their records sent here, outside the lock.
   */
  private void advance() {
    while (true) {
      ActiveRequest started;
      List<Record> immediate;
      boolean interruptNow;
      synchronized (this) {
        if (closed || active != null || queue.isEmpty()) {
          return;
        }
        started = new ActiveRequest(queue.pollFirst());
        active = started;
        started.oomKillsBefore = oomKills.count();
        immediate = start(started);
        interruptNow = interruptQueued;
        interruptQueued = false;
        if (immediate != null) {
          started.ending = true;
        }
      }
      if (immediate == null) {
        if (interruptNow) {
          interrupt(started, "that arrived before it started");
        }
        return;
      }
      finish(started, immediate, exitCodeOf(immediate.get(immediate.size() - 1)));
    }
  }

  /**
   * Starts a request, and returns null if it now runs, or the records that end it at once. The
   * caller holds the lock.
   */
  private List<Record> start(ActiveRequest current) {
    Request request = current.request;
    return switch (request.operation()) {
      case "code", "complete" -> {
        failedStep = null;
        yield startInDriver(current);
      }
      case "clean" -> {
        failedStep = null;
        yield startBatch(current);
      }
      default -> {
        if (failedStep != null) {
          yield skipStep(request);
        }
        yield startBatch(current);
      }
    };
  }

  private List<Record> startInDriver(ActiveRequest current) {
    Request request = current.request;
    DriverProcess driver = supervisor == null ? null : supervisor.driver();
    boolean complete = request.operation().equals("complete");
    if (complete && (driver == null || !driver.hasFeature(DriverProcess.FEATURE_COMPLETE))) {
      return List.of(EMPTY_COMPLETION);
    }
    if (driver == null) {
      LOG.warning(
          request.describe() + " rejected because no " + runtimeType + " driver is running.");
      return List.of(new Record("stderr", noDriverMessage()), request.end(1));
    }
    current.driver = driver;
    driver.send(request.operation(), request.payload());
    if (complete) {
      timer.schedule(
          () -> interrupt(current, "after the completion timeout"),
          COMPLETION_TIMEOUT_MILLIS,
          TimeUnit.MILLISECONDS);
    } else {
      LOG.info(
          request.describe()
              + " started ("
              + request.payload().length()
              + " characters of code, driver pid "
              + driver.pid()
              + ").");
    }
    return null;
  }

  private String noDriverMessage() {
    if (supervisor == null) {
      return "The runtime type '"
          + runtimeType
          + "' has no query mode; run code in batch mode with the clean, build and exec options.\n";
    }
    return "The "
        + runtimeType
        + " driver is not running (last start failure: "
        + supervisor.lastStartFailure()
        + "). The runner retries starting it; see the container log.\n";
  }

  private List<Record> skipStep(Request request) {
    FailedStep cause = failedStep;
    if (request.operation().equals("exec")) {
      failedStep = null;
    }
    LOG.info(
        request.describe()
            + " skipped because the "
            + cause.operation()
            + " step failed with exit code "
            + cause.exitCode()
            + ".");
    return List.of(
        new Record(
            "stderr",
            "Skipped the "
                + request.operation()
                + " step because the "
                + cause.operation()
                + " step failed with exit code "
                + cause.exitCode()
                + ".\n"),
        request.end(cause.exitCode()));
  }

  private List<Record> startBatch(ActiveRequest current) {
    Request request = current.request;
    String command = request.payload();
    boolean isDefault = command.strip().equals("*");
    if (isDefault) {
      Optional<String> defaultCommand = batchDefaults.command(request.operation());
      if (defaultCommand.isEmpty() && request.operation().equals("exec")) {
        LOG.warning(request.describe() + " failed: no default exec command.");
        return List.of(
            new Record(
                "stderr",
                "The runtime type '"
                    + runtimeType
                    + "' has no default exec command ("
                    + batchDefaults.source()
                    + " has no 'exec' entry); send the command to run instead of '*'.\n"),
            request.end(1));
      }
      command = defaultCommand.orElse("");
    }
    if (command.isBlank()) {
      LOG.info(request.describe() + " has nothing to run.");
      return List.of(request.end(0));
    }
    if (!batchSettings.canStart()) {
      LOG.error(request.describe() + " failed: setsid is missing.");
      return List.of(
          new Record(
              "stderr",
              "Batch mode needs the setsid program (from util-linux or BusyBox), which this image"
                  + " lacks.\n"),
          request.end(NOT_STARTED_EXIT_CODE));
    }
    try {
      current.batch = BatchProcess.start(batchSettings, command, workDir, this);
    } catch (IOException e) {
      LOG.error(request.describe() + " failed to start: " + e.getMessage());
      return List.of(
          new Record("stderr", "Starting /bin/sh failed: " + e.getMessage() + "\n"),
          request.end(NOT_STARTED_EXIT_CODE));
    }
    // A user's command may contain secrets, so only the image's defaults are logged in full.
    LOG.info(
        request.describe()
            + " started (pid "
            + current.batch.pid()
            + "): "
            + (isDefault
                ? "default command " + abbreviate(command)
                : command.length() + " characters of shell command"));
    return null;
  }

  /** Ends a driver request on its end record, unless the record does not belong to it. */
  private void endDriverRequest(DriverProcess source, Record record, String operation) {
    ActiveRequest current;
    synchronized (this) {
      current = active;
      boolean matches =
          current != null
              && current.driver == source
              && !current.ending
              && !current.killed
              && current.request.operation().equals(operation);
      // A driver without completion support ends a complete request like an unknown one.
      boolean unsupportedCompletion =
          current != null
              && current.driver == source
              && !current.ending
              && !current.killed
              && current.request.operation().equals("complete")
              && operation.equals("code");
      if (!matches && !unsupportedCompletion) {
        current = null;
      } else {
        current.ending = true;
        if (unsupportedCompletion) {
          record = EMPTY_COMPLETION;
        }
      }
    }
    if (current == null) {
      LOG.warning(
          "Ignored a '"
              + record.type()
              + "' record from driver "
              + source.pid()
              + " that ends no active request.");
      return;
    }
    int exitCode = exitCodeOf(record);
    long oomKillCount =
        current.request.operation().equals("code")
            ? oomKills.killsSince(current.oomKillsBefore, exitCode)
            : 0;
    if (oomKillCount > 0) {
      logOomKills(current.request, oomKillCount, false);
      end(
          current,
          List.of(new Record("stderr", oomKills.processStoppedMessage()), record),
          exitCode);
    } else {
      end(current, List.of(record), exitCode);
    }
  }

  private void logOomKills(Request request, long count, boolean programStopped) {
    LOG.warning(
        request.describe()
            + ": the OOM killer stopped "
            + count
            + (count == 1 ? " process" : " processes")
            + " of the session (memory limit "
            + oomKills.describeLimit()
            + "); "
            + (programStopped
                ? "the request's program was stopped."
                : "the request's program went on."));
  }

  private synchronized boolean isActiveCode(DriverProcess source) {
    return active != null
        && active.driver == source
        && !active.ending
        && active.request.operation().equals("code");
  }

  /** Sends a request's last records, then starts the next request. */
  private void end(ActiveRequest current, List<Record> records, int exitCode) {
    finish(current, records, exitCode);
    advance();
  }

  /** Sends a request's last records, notes a failed batch step and clears the active request. */
  private void finish(ActiveRequest current, List<Record> records, int exitCode) {
    Request request = current.request;
    if (!request.operation().equals("complete")) {
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - current.startNanos);
      LOG.info(
          request.describe() + " finished in " + millis + " ms with exit code " + exitCode + ".");
    }
    for (Record record : records) {
      sink.accept(record);
    }
    synchronized (this) {
      String operation = request.operation();
      if ((operation.equals("clean") || operation.equals("build")) && exitCode != 0) {
        failedStep = new FailedStep(operation, exitCode);
      } else if (operation.equals("exec")) {
        failedStep = null;
      }
      if (active == current) {
        active = null;
      }
    }
  }

  // Interrupts.

  private void interrupt(ActiveRequest current, String reason) {
    boolean first;
    synchronized (this) {
      if (active != current || current.ending || current.killed) {
        return;
      }
      if (current.driver == null && current.batch == null) {
        return;
      }
      first = !current.interrupted;
      current.interrupted = true;
      if (first && !closed) {
        timer.schedule(() -> escalate(current), INTERRUPT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        if (current.batch != null) {
          timer.schedule(
              () -> repeatInterrupt(current), BATCH_INTERRUPT_REPEAT_MILLIS, TimeUnit.MILLISECONDS);
        }
      }
    }
    LOG.info("Interrupting " + current.request.describe() + " " + reason + ".");
    if (current.batch != null) {
      current.batch.interrupt();
    } else {
      current.driver.interrupt();
    }
  }

  /** Sends SIGINT again to a batch command that is still active. */
  private void repeatInterrupt(ActiveRequest current) {
    synchronized (this) {
      if (active != current || current.ending || current.killed) {
        return;
      }
    }
    LOG.info("Interrupting " + current.request.describe() + " again.");
    current.batch.interrupt();
  }

  /** Kills the process group of a request that is still active after the interrupt grace. */
  private void escalate(ActiveRequest current) {
    synchronized (this) {
      if (active != current || current.ending || current.killed) {
        return;
      }
      current.killed = true;
    }
    if (current.batch != null) {
      LOG.warning(
          current.request.describe()
              + " did not stop after SIGINT; killing process group "
              + current.batch.pid()
              + ".");
      current.batch.kill();
    } else {
      LOG.warning(
          current.request.describe()
              + " did not stop after SIGINT; killing the "
              + runtimeType
              + " driver (pid "
              + current.driver.pid()
              + ").");
      current.driver.kill();
    }
  }

  /** Returns the exit code of an end record, 0 for a completion and 1 for an invalid payload. */
  private static int exitCodeOf(Record end) {
    if (end.type().equals("completion")) {
      return 0;
    }
    try {
      return RunnerClient.exitCode(end);
    } catch (IllegalArgumentException e) {
      LOG.warning("Invalid end record, counted as exit code 1: " + e.getMessage());
      return 1;
    }
  }

  private static String abbreviate(String command) {
    String line = command.replace('\n', ' ');
    return line.length() <= LOGGED_COMMAND_CHARS
        ? line
        : line.substring(0, LOGGED_COMMAND_CHARS) + "...";
  }
}
