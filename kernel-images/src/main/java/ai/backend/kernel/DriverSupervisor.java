package ai.backend.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps one language driver running and tracks whether it is ready. The {@link RunScheduler}
 * decides what the driver runs.
 *
 * <p>A driver that exits while it was ready is restarted at once. A driver that exits before it
 * became ready is restarted after a delay that doubles from 1 s to 30 s.
 *
 * <p>Records go to the sink and the listener outside this object's lock, because the sink blocks
 * while the agent reads slower than the driver writes, and an interrupt must still get through
 * then.
 */
final class DriverSupervisor implements DriverProcess.Listener {

  /** Receives what the current driver sends, on the driver's reader thread. */
  interface Listener {
    /** A record other than {@code ready}, from the current driver. */
    void driverRecord(DriverProcess source, Record record);

    /** Called after the current driver exited and a new one was started or scheduled. */
    void driverExited(DriverProcess source, int exitCode);
  }

  private static final RunnerLog LOG = RunnerLog.forClass(DriverSupervisor.class);

  static final Record STATUS_READY = new Record("status", "{\"ready\":true}");

  private static final long FIRST_RETRY_DELAY_MILLIS = 1_000;
  private static final long MAX_RETRY_DELAY_MILLIS = 30_000;

  private final String language;
  private final List<String> command;
  private final Map<String, String> environment;
  private final Path workDir;
  private final Consumer<Record> sink;
  private final Listener listener;
  private final ScheduledExecutorService restarts;

  // Guarded by this.
  private DriverProcess driver;
  private boolean ready;
  private boolean closed;
  private int pendingStatusRequests;
  private long retryDelayMillis = FIRST_RETRY_DELAY_MILLIS;
  private String lastStartFailure = "";

  /**
   * @param language runtime type, used in messages
   * @param command command line that starts the driver
   * @param environment variables set for the driver on top of the runner's environment
   * @param workDir working directory of the driver
   * @param sink receives the status records for the agent; called from several threads
   * @param listener receives the driver's records and exits
   */
  DriverSupervisor(
      String language,
      List<String> command,
      Map<String, String> environment,
      Path workDir,
      Consumer<Record> sink,
      Listener listener) {
    this.language = language;
    this.command = List.copyOf(command);
    this.environment = Map.copyOf(environment);
    this.workDir = workDir;
    this.sink = sink;
    this.listener = listener;
    this.restarts =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "driver-restart");
              thread.setDaemon(true);
              return thread;
            });
  }

  String language() {
    return language;
  }

  synchronized void start() {
    startDriver();
  }

  /** Returns the running driver, which may not be ready yet, or null while none runs. */
  synchronized DriverProcess driver() {
    return driver;
  }

  /** Returns why the last driver start failed or the last driver exited, or empty text. */
  synchronized String lastStartFailure() {
    return lastStartFailure;
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
    LOG.info(
        "The "
            + language
            + " driver is ready (pid "
            + source.pid()
            + ", features "
            + featureList(source)
            + ").");
    for (int i = 0; i < statusReplies; i++) {
      sink.accept(STATUS_READY);
    }
  }

  @Override
  public void driverRecord(DriverProcess source, Record record) {
    synchronized (this) {
      if (source != driver) {
        return;
      }
    }
    listener.driverRecord(source, record);
  }

  @Override
  public void driverExited(DriverProcess source, int exitCode) {
    boolean restartNow;
    long delayMillis = 0;
    synchronized (this) {
      if (source != driver) {
        return;
      }
      driver = null;
      restartNow = ready;
      ready = false;
      String lastLogLine = source.lastLogLine();
      lastStartFailure =
          "the driver exited with code "
              + exitCode
              + (lastLogLine.isEmpty() ? "" : "; its last log line: " + lastLogLine);
      if (restartNow) {
        // Starts the new driver before the listener ends the failed run, so the agent's next
        // request finds it.
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
    listener.driverExited(source, exitCode);
  }

  private static String featureList(DriverProcess driver) {
    List<String> features =
        List.of(DriverProcess.FEATURE_INPUT, DriverProcess.FEATURE_COMPLETE).stream()
            .filter(driver::hasFeature)
            .toList();
    return features.isEmpty() ? "none" : String.join(", ", features);
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
      driver = DriverProcess.start(command, environment, workDir, this);
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
