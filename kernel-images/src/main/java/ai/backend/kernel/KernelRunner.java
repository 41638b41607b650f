package ai.backend.kernel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

/**
 * Kernel runner: the process that the agent talks to inside a kernel container.
 *
 * <p>It binds a PULL socket for the agent's requests and a PUSH socket for records (see
 * docs/protocols.md), runs the user's code through a language driver and batch commands through
 * /bin/sh, in the order the requests arrive ({@link RunScheduler}). Each ZeroMQ socket is used by
 * one thread: the receiver thread owns the PULL socket and the {@link RecordSender} thread owns the
 * PUSH socket.
 *
 * <p>Supported operations are {@code status}, {@code code}, {@code clean}, {@code build}, {@code
 * exec}, {@code input}, {@code complete} and {@code interrupt}. Others end at once with a {@code
 * stderr} record and exit code 1.
 */
public final class KernelRunner implements AutoCloseable {

  private static final RunnerLog LOG = RunnerLog.forClass(KernelRunner.class);

  /** How often the receiver thread checks whether the runner is closing. */
  private static final int RECEIVE_TIMEOUT_MILLIS = 200;

  /** How long closing the context waits for unsent records. */
  private static final int LINGER_MILLIS = 1_000;

  private final RunnerConfig config;
  private final AtomicBoolean closed = new AtomicBoolean();
  private Thread receiver;
  private ZContext context;
  private RecordSender sender;
  private DriverSupervisor supervisor;
  private RunScheduler scheduler;
  private volatile boolean running;
  private volatile boolean receiverFailed;

  public KernelRunner(RunnerConfig config) {
    this.config = config;
  }

  public static void main(String[] args) throws InterruptedException {
    RunnerConfig config;
    try {
      config = RunnerConfig.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      LOG.error(e.getMessage());
      System.exit(2);
      return;
    }
    KernelRunner runner = new KernelRunner(config);
    try {
      runner.start();
    } catch (IllegalArgumentException e) {
      LOG.error(e.getMessage());
      runner.close();
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      LOG.error("Starting the kernel runner failed: " + e, e);
      runner.close();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(runner::close, "shutdown"));
    runner.receiver.join();
    if (runner.receiverFailed) {
      runner.close();
      System.exit(1);
    }
  }

  /**
   * Binds the sockets and starts the driver and the threads.
   *
   * @throws IllegalArgumentException if the runtime type has neither a driver nor batch defaults,
   *     or the jail is on but missing
   * @throws ZMQException if a socket cannot bind, for example because the port is in use
   */
  public void start() {
    Path workDir = workDir();
    Jail jail = Jail.configure(config, workDir, System.getenv(), CpuQuota.ofThisContainer());
    Optional<List<String>> driverCommand = DriverCommand.forConfig(config, jail);
    context = new ZContext();
    context.setLinger(LINGER_MILLIS);
    ZMQ.Socket requests = context.createSocket(SocketType.PULL);
    requests.setReceiveTimeOut(RECEIVE_TIMEOUT_MILLIS);
    requests.bind(config.inEndpoint());
    ZMQ.Socket records = context.createSocket(SocketType.PUSH);
    records.setSndHWM(RecordSender.SEND_HIGH_WATER_MARK);
    records.bind(config.outEndpoint());

    sender = new RecordSender(records);
    sender.start();
    scheduler =
        new RunScheduler(
            config.runtimeType(),
            workDir,
            BatchDefaults.load(config.driversDir(), config.runtimeType()),
            BatchSettings.detect(config, System.getenv(), jail),
            sender::send);
    if (driverCommand.isPresent()) {
      supervisor =
          new DriverSupervisor(
              config.runtimeType(),
              driverCommand.get(),
              jail.environment(),
              workDir,
              sender::send,
              scheduler);
      scheduler.useDriver(supervisor);
      supervisor.start();
    } else {
      LOG.info("Runtime type " + config.runtimeType() + " has no driver; only batch mode works.");
    }

    running = true;
    receiver = new Thread(() -> receiveLoop(requests), "request-receiver");
    receiver.start();
    LOG.info(
        "Kernel runner started: requests on "
            + config.inEndpoint()
            + ", records on "
            + config.outEndpoint()
            + ", runtime "
            + config.runtimeType()
            + " at "
            + config.runtimePath()
            + ", working directory "
            + workDir
            + ".");
  }

  /** Returns the configured working directory, or the runner's own if that does not exist. */
  private Path workDir() {
    Path workDir = config.workDir();
    if (Files.isDirectory(workDir)) {
      return workDir;
    }
    Path fallback = Path.of("").toAbsolutePath();
    LOG.warning(
        "The working directory "
            + workDir
            + " does not exist; using "
            + fallback
            + ". Set "
            + RunnerConfig.WORK_DIR
            + " to change it.");
    return fallback;
  }

  /** Stops receiving, stops the driver, sends what is queued and closes the sockets. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    LOG.info("Stopping the kernel runner.");
    running = false;
    try {
      if (receiver != null) {
        receiver.join();
      }
      if (scheduler != null) {
        scheduler.close();
      }
      if (supervisor != null) {
        supervisor.close();
      }
      if (sender != null) {
        sender.stop();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (context != null) {
        context.close();
      }
    }
    LOG.info("Kernel runner stopped.");
  }

  private void receiveLoop(ZMQ.Socket requests) {
    try {
      while (running) {
        byte[] operation = requests.recv(0);
        if (operation == null) {
          continue;
        }
        String payload = "";
        if (requests.hasReceiveMore()) {
          payload = new String(requests.recv(0), StandardCharsets.UTF_8);
        }
        int extraFrames = 0;
        while (requests.hasReceiveMore()) {
          requests.recv(0);
          extraFrames++;
        }
        if (extraFrames > 0) {
          LOG.warning("Ignored " + extraFrames + " frames after the payload of a request.");
        }
        handle(new String(operation, StandardCharsets.US_ASCII), payload);
      }
    } catch (ZMQException e) {
      if (running) {
        receiverFailed = true;
        LOG.error("Receiving requests failed; the runner stops.", e);
      }
    } finally {
      requests.close();
    }
  }

  private void handle(String operation, String payload) {
    try {
      switch (operation) {
        case "status" -> {
          if (supervisor != null) {
            supervisor.requestStatus();
          } else {
            sender.send(DriverSupervisor.STATUS_READY);
          }
        }
        case "code", "clean", "build", "exec" -> scheduler.submit(operation, payload);
        case "input" -> scheduler.input(payload);
        case "complete" -> scheduler.complete(payload);
        case "interrupt" -> scheduler.interrupt();
        default -> rejectUnsupported(operation);
      }
    } catch (RuntimeException e) {
      LOG.error("Handling a '" + operation + "' request failed", e);
    }
  }

  /** Ends an unknown request with a stderr record and a finished record with exit code 1. */
  private void rejectUnsupported(String operation) {
    LOG.warning("Rejected the unknown operation '" + abbreviate(operation) + "'.");
    sender.send(
        new Record(
            "stderr",
            "Unknown operation '"
                + operation
                + "'; the kernel runner supports status, code, clean, build, exec, input,"
                + " complete and interrupt.\n"));
    sender.send(Record.finished("finished", 1));
  }

  private static String abbreviate(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "...";
  }
}
