package ai.backend.kernel;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps one language driver running, passes requests to it and tracks readiness and runs.
 *
 * <p>A driver that exits while it was ready is restarted at once, and the runs it had not finished
 * end with a {@code stderr} record and a {@code finished} record. A driver that exits before it
 * became ready is restarted after a delay that doubles from 1 s to 30 s.
 *
 * <p>Records go to the sink outside this object's lock, because the sink blocks while the agent
 * reads slower than the driver writes, and an interrupt must still get through then.
 */
final class DriverSupervisor implements DriverProcess.Listener {

  private static final RunnerLog LOG = RunnerLog.forClass(DriverSupervisor.class);

  static final Record STATUS_READY = new Record("status", "{\"ready\":true}");

  /** Driver records that the runner forwards to the agent, from the agent protocol. */
  private static final Set<String> FORWARDED_RECORDS =
      Set.of("stdout", "stderr", "media", "html", "log", "completion", "waiting-input");

  private static final long FIRST_RETRY_DELAY_MILLIS = 1_000;
  private static final long MAX_RETRY_DELAY_MILLIS = 30_000;

  /** A run that the driver has been asked to do and has not finished. */
  private record Run(long number, long startNanos) {}

  private final String language;
  private final List<String> command;
  private final Consumer<Record> sink;
  private final ScheduledExecutorService restarts;

  // Guarded by this.
  private DriverProcess driver;
  private boolean ready;
  private boolean closed;
  private int pendingStatusRequests;
  private final Deque<Run> runs = new ArrayDeque<>();
  private long runCount;
  private long retryDelayMillis = FIRST_RETRY_DELAY_MILLIS;
  private String lastStartFailure = "";

  /**
   * @param language runtime type, used in messages
   * @param command command line that starts the driver
   * @param sink receives the records for the agent; called from several threads
   */
  DriverSupervisor(String language, List<String> command, Consumer<Record> sink) {
    this.language = language;
    this.command = List.copyOf(command);
    this.sink = sink;
    this.restarts =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "driver-restart");
              thread.setDaemon(true);
              return thread;
            });
  }

  synchronized void start() {
    startDriver();
  }

  /** Sends the ready status now if the driver is ready, or else once it becomes ready. */
  void requestStatus() {
    synchronized (this) {
      if (!ready) {
        pendingStatusRequests++;
        return;
      }
    }
    sink.accept(STATUS_READY);
  }

  /** Sends code to the driver, or ends the run at once if no driver is running. */
  void runCode(String code) {
    long number;
    String failure = null;
    synchronized (this) {
      number = ++runCount;
      if (driver != null) {
        runs.addLast(new Run(number, System.nanoTime()));
        driver.send("code", code);
        // Logged under the lock, so it always comes before the line of the finished record.
        LOG.info("Run " + number + " started (" + code.length() + " characters of code).");
        return;
      } else {
        failure = lastStartFailure;
      }
    }
    if (failure != null) {
      LOG.warning(
          "Run " + number + " rejected because the " + language + " driver is not running.");
      sink.accept(
          new Record(
              "stderr",
              "The "
                  + language
                  + " driver is not running (last start failure: "
                  + failure
                  + "). The runner retries starting it; see the container log.\n"));
      sink.accept(Record.finished("finished", 1));
    }
  }

  /**
   * Interrupts the driver if a run is active; otherwise does nothing.
   *
   * <p>NOTE: The Python driver ignores SIGINT outside user code, so an interrupt that arrives
   * before the driver has started executing the request is lost.
   */
  void interrupt() {
    DriverProcess target;
    long number;
    synchronized (this) {
      if (runs.isEmpty() || driver == null) {
        LOG.info("Ignored an interrupt because no run is active.");
        return;
      }
      target = driver;
      number = runs.peekFirst().number();
    }
    LOG.info("Interrupting run " + number + " (driver pid " + target.pid() + ").");
    target.interrupt();
  }

  /** Stops the driver; later requests and driver events are ignored. */
  void close() {
    DriverProcess target;
    synchronized (this) {
      closed = true;
      target = driver;
      driver = null;
      ready = false;
    }
    restarts.shutdownNow();
    if (target != null) {
      target.stop();
      LOG.info("Stopped the " + language + " driver (pid " + target.pid() + ").");
    }
  }

  @Override
  public void driverReady(DriverProcess source) {
    int statusReplies;
    synchronized (this) {
      if (source != driver) {
        return;
      }
      ready = true;
      retryDelayMillis = FIRST_RETRY_DELAY_MILLIS;
      statusReplies = pendingStatusRequests;
      pendingStatusRequests = 0;
    }
    LOG.info("The " + language + " driver is ready (pid " + source.pid() + ").");
    for (int i = 0; i < statusReplies; i++) {
      sink.accept(STATUS_READY);
    }
  }

  @Override
  public void driverRecord(DriverProcess source, Record record) {
    if (record.type().equals("finished")) {
      if (!finishRun(source, record)) {
        return;
      }
    } else if (!FORWARDED_RECORDS.contains(record.type())) {
      LOG.warning(
          "Ignored a '"
              + record.type()
              + "' record from driver "
              + source.pid()
              + "; unknown type.");
      return;
    }
    sink.accept(record);
  }

  /** Ends the oldest run and returns true, or returns false if the record is not expected. */
  private boolean finishRun(DriverProcess source, Record finished) {
    Run run;
    synchronized (this) {
      run = source == driver ? runs.pollFirst() : null;
    }
    if (run == null) {
      LOG.warning(
          "Ignored a finished record from driver " + source.pid() + " without an active run.");
      return false;
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - run.startNanos());
    LOG.info("Run " + run.number() + " finished in " + millis + " ms: " + finished.payload());
    return true;
  }

  @Override
  public void driverExited(DriverProcess source, int exitCode) {
    List<Run> failedRuns;
    boolean restartNow;
    long delayMillis = 0;
    synchronized (this) {
      if (source != driver) {
        return;
      }
      driver = null;
      restartNow = ready;
      ready = false;
      failedRuns = new ArrayList<>(runs);
      runs.clear();
      lastStartFailure = "the driver exited with code " + exitCode;
      if (restartNow) {
        // Starts the new driver before the failed runs finish, so the agent's next request
        // finds it.
        startDriver();
      } else {
        delayMillis = retryDelayMillis;
        retryDelayMillis = Math.min(retryDelayMillis * 2, MAX_RETRY_DELAY_MILLIS);
        restarts.schedule(this::restartDriver, delayMillis, TimeUnit.MILLISECONDS);
      }
    }
    if (restartNow) {
      LOG.warning(
          "The "
              + language
              + " driver (pid "
              + source.pid()
              + ") exited with code "
              + exitCode
              + "; started a new one.");
    } else {
      LOG.warning(
          "The "
              + language
              + " driver (pid "
              + source.pid()
              + ") exited with code "
              + exitCode
              + " before it was ready; restarting it in "
              + delayMillis
              + " ms.");
    }
    int runExitCode = exitCode != 0 ? exitCode : 1;
    for (Run run : failedRuns) {
      LOG.warning("Run " + run.number() + " failed because the driver exited.");
      sink.accept(
          new Record(
              "stderr",
              "The "
                  + language
                  + " driver exited with code "
                  + exitCode
                  + " during this run. Its variables are lost; a new driver has been started.\n"));
      sink.accept(Record.finished("finished", runExitCode));
    }
  }

  private synchronized void restartDriver() {
    if (driver == null) {
      startDriver();
    }
  }

  /**
   * Starts a driver unless the supervisor is closed, and schedules a retry if starting fails. The
   * caller holds the lock.
   */
  private void startDriver() {
    if (closed) {
      return;
    }
    try {
      driver = DriverProcess.start(command, this);
      LOG.info(
          "Started the "
              + language
              + " driver (pid "
              + driver.pid()
              + "): "
              + String.join(" ", command));
    } catch (IOException e) {
      lastStartFailure = e.getMessage();
      long delayMillis = retryDelayMillis;
      retryDelayMillis = Math.min(retryDelayMillis * 2, MAX_RETRY_DELAY_MILLIS);
      LOG.error(
          "Starting the "
              + language
              + " driver failed: "
              + e.getMessage()
              + "; retrying in "
              + delayMillis
              + " ms.");
      restarts.schedule(this::restartDriver, delayMillis, TimeUnit.MILLISECONDS);
    }
  }
}
