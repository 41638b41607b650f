package ai.backend.agent.kernel;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentReply;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The agent's ZeroMQ link to one kernel runner: a PUSH socket to the runner's input port and a PULL
 * socket from its output port, both owned by one I/O thread. Callers hand operations to that thread
 * through a queue, and the thread files the records it receives into the current run.
 *
 * <p>Only one execute call runs at a time, and only one run: a query for a new run while another is
 * unfinished fails with {@code kernel-busy}.
 *
 * <p>A run may have a time limit. The I/O thread sends {@code interrupt} to the runner when the
 * limit passes, and the call that collects the end of the run returns status {@code exec-timeout}.
 */
public final class KernelConnection implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KernelConnection.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Port the runner's PULL socket binds; the agent sends operations there. */
  public static final int RUNNER_INPUT_PORT = 2000;

  /** Port the runner's PUSH socket binds; the agent receives records from there. */
  public static final int RUNNER_OUTPUT_PORT = 2001;

  private static final int POLL_MILLIS = 50;
  private static final long STATUS_RETRY_MILLIS = 1000;

  /**
   * Largest record accepted. ZeroMQ drops the connection on a larger one and reconnects, so that
   * record is lost. The Python driver of this product splits text into much smaller records.
   */
  private static final long MAX_RECORD_BYTES = 16L * 1024 * 1024;

  /** Records ZeroMQ buffers before the I/O thread reads them; the runner waits beyond this. */
  private static final int RECEIVE_HIGH_WATER_MARK = 100;

  private static final long MAX_FLUSH_MILLIS = TimeUnit.MINUTES.toMillis(10);
  private static final long MIN_BUSY_WAIT_MILLIS = 1000;
  private static final long MAX_BUSY_WAIT_MILLIS = 30_000;

  /** Maximum time limit that an execute request may set, one day. */
  public static final long MAX_EXEC_TIMEOUT_SECONDS = 86_400;

  private static final Outgoing INTERRUPT = new Outgoing("interrupt", "");

  /**
   * A shell no-op sent as the {@code exec} step of a batch that ends early. The runner remembers a
   * failed clean or build until the batch's {@code exec} and skips every build before that, so
   * without it the next batch's build would be skipped too.
   */
  private static final Outgoing CLOSING_EXEC = new Outgoing("exec", ":");

  private final ZContext context;
  private final String agentId;
  private final String sessionId;
  private final String kernelId;
  private final String host;
  private final int inputPort;
  private final int outputPort;
  private final long outputLimitBytes;
  private final Duration defaultExecTimeout;
  private final ConcurrentLinkedQueue<Outgoing> outbox = new ConcurrentLinkedQueue<>();
  private final ReentrantLock callLock = new ReentrantLock(true);
  private final Thread ioThread;
  private volatile boolean closed;

  // The fields below are guarded by this object's monitor.
  private boolean ready;
  private Run run;
  private String deadReason;
  private List<String> completions;
  private boolean completionPending;
  private long idleDroppedRecords;

  /** One operation for the runner, as its two frames. */
  private record Outgoing(String operation, String payload) {}

  /** A status that ends an execute call before the run finishes, such as build-finished. */
  private record Stage(String status, Integer exitCode) {}

  /** The run the kernel is working on, and the output not yet returned to a caller. */
  private final class Run {
    final String runId;

    /** When the run passes its time limit, by {@link System#nanoTime()}; unused without one. */
    final long deadlineNanos;

    final boolean hasDeadline;
    OutputCollector collector = new OutputCollector(outputLimitBytes);

    /** Batch steps that ended and were not yet returned to a caller. */
    final Deque<Stage> stages = new ArrayDeque<>();

    /** Batch steps not yet sent; the next one goes out when the current one ends. */
    final Deque<Outgoing> pendingSteps = new ArrayDeque<>();

    boolean waitingInput;
    boolean passwordInput;
    boolean timedOut;
    boolean finished;

    /** Set while the run waits for {@link #CLOSING_EXEC} to end, whose output is dropped. */
    Stage closingEnd;

    /** The status that reports the end of the run: finished, build-finished or exec-timeout. */
    String endStatus;

    Integer exitCode;

    Run(String runId, Duration timeout) {
      this.runId = runId;
      this.hasDeadline = !timeout.isZero();
      this.deadlineNanos = hasDeadline ? System.nanoTime() + timeout.toNanos() : 0;
    }
  }

  /**
   * Creates a connection; {@link #start()} opens it.
   *
   * @param host the runner's address, the container's IP on the kernel network
   * @param outputLimitBytes bytes kept per output stream and execute call
   * @param defaultExecTimeout time limit of a run whose request sets none; zero means no limit
   */
  public KernelConnection(
      ZContext context,
      String agentId,
      String sessionId,
      String kernelId,
      String host,
      int inputPort,
      int outputPort,
      long outputLimitBytes,
      Duration defaultExecTimeout) {
    this.context = context;
    this.agentId = agentId;
    this.sessionId = sessionId;
    this.kernelId = kernelId;
    this.host = host;
    this.inputPort = inputPort;
    this.outputPort = outputPort;
    this.outputLimitBytes = outputLimitBytes;
    this.defaultExecTimeout = defaultExecTimeout;
    this.ioThread = new Thread(this::ioLoop, "kernel-io-" + kernelId);
    this.ioThread.setDaemon(true);
  }

  /** Starts the I/O thread, which connects both sockets. */
  public void start() {
    ioThread.start();
  }

  /**
   * Sends {@code status} requests, one per second, and waits up to {@code timeout} for the runner's
   * ready record. Repeating the request covers a reply lost while ZeroMQ was still connecting.
   *
   * @return {@code true} once the runner has reported ready
   */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long nextRequest = System.nanoTime();
    synchronized (this) {
      while (!ready && deadReason == null) {
        long now = System.nanoTime();
        long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - now);
        if (remaining <= 0) {
          break;
        }
        if (now - nextRequest >= 0) {
          outbox.add(new Outgoing("status", ""));
          nextRequest = now + TimeUnit.MILLISECONDS.toNanos(STATUS_RETRY_MILLIS);
        }
        long untilNextRequest = TimeUnit.NANOSECONDS.toMillis(nextRequest - now) + 1;
        wait(Math.min(remaining, untilNextRequest));
      }
      return ready;
    }
  }

  /**
   * Marks the runner as gone, for example because its container exited; waiting and later calls
   * fail with {@code kernel-terminated} and this reason.
   */
  public void markDead(String reason) {
    synchronized (this) {
      if (deadReason == null) {
        deadReason = reason;
      }
      notifyAll();
    }
  }

  /**
   * Runs one execute command and returns its reply: an {@link AgentReply.ExecuteResult}, or an
   * {@link AgentReply.CommandFailed} when the kernel is busy, gone or the mode is unknown.
   */
  public AgentReply execute(AgentCommand.Execute command) {
    long flushMillis = Math.max(0, Math.min(command.flushTimeoutMillis(), MAX_FLUSH_MILLIS));
    long busyWaitMillis =
        Math.min(Math.max(flushMillis, MIN_BUSY_WAIT_MILLIS), MAX_BUSY_WAIT_MILLIS);
    try {
      if (!callLock.tryLock(busyWaitMillis, TimeUnit.MILLISECONDS)) {
        return new AgentReply.CommandFailed(
            "kernel-busy",
            "kernel "
                + kernelId
                + " is still busy with another execute call after "
                + busyWaitMillis
                + " ms; retry later");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new AgentReply.CommandFailed("agent-stopping", "the agent is shutting down");
    }
    try {
      String mode = command.mode() == null ? "query" : command.mode();
      return switch (mode) {
        case "query" ->
            startRun(command, List.of(new Outgoing("code", text(command.code()))), flushMillis);
        case "batch" -> startRun(command, batchSteps(command.options()), flushMillis);
        case "continue" -> continueRun(command, null, flushMillis);
        case "input" ->
            continueRun(command, new Outgoing("input", text(command.code())), flushMillis);
        case "complete" -> complete(command, flushMillis);
        default ->
            new AgentReply.CommandFailed(
                "unsupported-mode",
                "execute mode '"
                    + mode
                    + "' is not supported; use query, continue, input, batch or complete");
      };
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new AgentReply.CommandFailed("agent-stopping", "the agent is shutting down");
    } finally {
      callLock.unlock();
    }
  }

  /**
   * Sends {@code interrupt} to the runner, which sends SIGINT to what runs the user's code. The run
   * it interrupts ends with its own result, which the next execute call collects.
   */
  public AgentReply interrupt() {
    synchronized (this) {
      if (deadReason != null) {
        return terminated();
      }
      outbox.add(INTERRUPT);
    }
    log.info("Agent {} kernel {} (session {}) sent interrupt", agentId, kernelId, sessionId);
    return new AgentReply.Done("sent interrupt to kernel " + kernelId);
  }

  /**
   * Starts a run with the first of {@code steps}; each later step goes out when the one before it
   * ends.
   */
  private AgentReply startRun(AgentCommand.Execute command, List<Outgoing> steps, long flushMillis)
      throws InterruptedException {
    Duration timeout;
    try {
      timeout = execTimeout(command.options(), defaultExecTimeout);
    } catch (IllegalArgumentException e) {
      return new AgentReply.CommandFailed("invalid-command", e.getMessage());
    }
    synchronized (this) {
      if (deadReason != null) {
        return terminated();
      }
      boolean sameRun = run != null && run.runId != null && run.runId.equals(command.runId());
      if (run != null && !run.finished && !sameRun) {
        return new AgentReply.CommandFailed(
            "kernel-busy",
            "kernel "
                + kernelId
                + " is still running run "
                + run.runId
                + "; send continue for that run or wait until it finishes");
      }
      if (!sameRun) {
        if (run != null) {
          log.debug(
              "Agent {} kernel {} (session {}) discards the unreported end of run {}",
              agentId,
              kernelId,
              sessionId,
              run.runId);
        }
        run = new Run(command.runId(), timeout);
        run.pendingSteps.addAll(steps);
        outbox.add(run.pendingSteps.removeFirst());
      }
    }
    return collect(flushMillis);
  }

  private AgentReply continueRun(AgentCommand.Execute command, Outgoing operation, long flushMillis)
      throws InterruptedException {
    synchronized (this) {
      if (deadReason != null) {
        return terminated();
      }
      if (run == null) {
        return new AgentReply.CommandFailed(
            "run-not-found", "kernel " + kernelId + " has no run to continue; send a query first");
      }
      if (command.runId() != null && run.runId != null && !command.runId().equals(run.runId)) {
        return new AgentReply.CommandFailed(
            "run-not-found",
            "kernel " + kernelId + " runs run " + run.runId + ", not " + command.runId());
      }
      if (operation != null) {
        run.waitingInput = false;
        outbox.add(operation);
      }
    }
    return collect(flushMillis);
  }

  /**
   * Waits for the current run to end, to finish a batch step or to ask for input, or for the flush.
   * After the run passed its time limit, it waits only for the end.
   */
  private synchronized AgentReply collect(long flushMillis) throws InterruptedException {
    Run current = run;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(flushMillis);
    while (!current.finished
        && !current.waitingInput
        && current.stages.isEmpty()
        && deadReason == null) {
      long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (remaining <= 0) {
        break;
      }
      wait(remaining);
    }
    List<List<Object>> console = current.collector.console();
    current.collector = new OutputCollector(outputLimitBytes);
    String status;
    Integer exitCode = null;
    Map<String, Object> options = Map.of();
    if (!current.stages.isEmpty()) {
      Stage stage = current.stages.removeFirst();
      status = stage.status();
      exitCode = stage.exitCode();
    } else if (current.finished) {
      status = current.endStatus;
      exitCode = current.exitCode;
      run = null;
    } else if (deadReason != null) {
      run = null;
      return terminated();
    } else if (current.waitingInput) {
      status = "waiting-input";
      options = Map.of("isPassword", current.passwordInput);
    } else {
      status = "continued";
    }
    return new AgentReply.ExecuteResult(
        current.runId, status, console, exitCode, options, List.of());
  }

  /**
   * Sends a completion request and returns the runner's completions in the result's options as
   * {@code completions}.
   */
  private AgentReply complete(AgentCommand.Execute command, long flushMillis)
      throws InterruptedException {
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("code", text(command.code()));
    request.put("options", command.options() == null ? Map.of() : command.options());
    String payload;
    try {
      payload = JSON.writeValueAsString(request);
    } catch (JsonProcessingException e) {
      return new AgentReply.CommandFailed(
          "invalid-command", "the completion options cannot be encoded: " + e.getOriginalMessage());
    }
    synchronized (this) {
      if (deadReason != null) {
        return terminated();
      }
      completions = null;
      completionPending = true;
      outbox.add(new Outgoing("complete", payload));
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(flushMillis);
      while (completions == null && deadReason == null) {
        long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remaining <= 0) {
          break;
        }
        wait(remaining);
      }
      if (deadReason != null) {
        return terminated();
      }
      List<String> result = completions == null ? List.of() : completions;
      completions = null;
      completionPending = false;
      return new AgentReply.ExecuteResult(
          command.runId(), "finished", List.of(), 0, Map.of("completions", result), List.of());
    }
  }

  /**
   * Returns the batch steps from the options {@code clean}, {@code build} and {@code exec}: {@code
   * clean} only if it is set, and {@code build} and {@code exec} always, with {@code *} (the
   * image's default) where they are not set.
   */
  private static List<Outgoing> batchSteps(Map<String, Object> options) {
    Map<String, Object> batchOptions = options == null ? Map.of() : options;
    List<Outgoing> steps = new ArrayList<>();
    Object clean = batchOptions.get("clean");
    if (clean != null && !clean.toString().isEmpty()) {
      steps.add(new Outgoing("clean", clean.toString()));
    }
    for (String step : List.of("build", "exec")) {
      Object command = batchOptions.get(step);
      steps.add(
          new Outgoing(
              step, command == null || command.toString().isEmpty() ? "*" : command.toString()));
    }
    return steps;
  }

  /**
   * Returns the run's time limit from the option {@code execTimeout} in seconds, or {@code
   * defaultTimeout} when the option is absent or 0.
   *
   * @throws IllegalArgumentException if the option is neither 0 nor a number from 1 to {@value
   *     #MAX_EXEC_TIMEOUT_SECONDS}
   */
  static Duration execTimeout(Map<String, Object> options, Duration defaultTimeout) {
    Object value = options == null ? null : options.get("execTimeout");
    if (value == null) {
      return defaultTimeout;
    }
    double seconds;
    try {
      seconds =
          value instanceof Number number
              ? number.doubleValue()
              : Double.parseDouble(value.toString().trim());
    } catch (NumberFormatException e) {
      seconds = Double.NaN;
    }
    if (seconds == 0) {
      return defaultTimeout;
    }
    if (!(seconds >= 1 && seconds <= MAX_EXEC_TIMEOUT_SECONDS)) {
      throw new IllegalArgumentException(
          "invalid execTimeout '"
              + value
              + "': expected seconds from 1 to "
              + MAX_EXEC_TIMEOUT_SECONDS
              + ", or 0 for the agent's default");
    }
    return Duration.ofMillis(Math.round(seconds * 1000));
  }

  private AgentReply.CommandFailed terminated() {
    return new AgentReply.CommandFailed(
        "kernel-terminated", "kernel " + kernelId + " stopped answering: " + deadReason);
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }

  @Override
  public void close() {
    closed = true;
    markDead("the kernel connection was closed");
    if (Thread.currentThread() != ioThread && ioThread.isAlive()) {
      try {
        ioThread.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void ioLoop() {
    ZMQ.Socket push = null;
    ZMQ.Socket pull = null;
    try {
      push = context.createSocket(SocketType.PUSH);
      push.setLinger(0);
      push.connect("tcp://" + host + ":" + inputPort);
      pull = context.createSocket(SocketType.PULL);
      pull.setLinger(0);
      pull.setRcvHWM(RECEIVE_HIGH_WATER_MARK);
      pull.setMaxMsgSize(MAX_RECORD_BYTES);
      pull.setReceiveTimeOut(POLL_MILLIS);
      pull.connect("tcp://" + host + ":" + outputPort);
      log.info(
          "Agent {} kernel {} (session {}) connected to runner at {} ports {}/{}",
          agentId,
          kernelId,
          sessionId,
          host,
          inputPort,
          outputPort);
      while (!closed) {
        enforceDeadline();
        sendQueued(push);
        byte[] operation = pull.recv(0);
        if (operation == null) {
          continue;
        }
        byte[] payload = pull.hasReceiveMore() ? pull.recv(0) : new byte[0];
        while (pull.hasReceiveMore()) {
          pull.recv(0);
        }
        onRecord(
            new String(operation, StandardCharsets.US_ASCII),
            payload == null ? new byte[0] : payload);
      }
    } catch (RuntimeException e) {
      if (!closed) {
        log.error(
            "Agent {} kernel {} (session {}) lost its runner connection",
            agentId,
            kernelId,
            sessionId,
            e);
        markDead("the runner connection failed: " + e);
      }
    } finally {
      if (push != null) {
        context.destroySocket(push);
      }
      if (pull != null) {
        context.destroySocket(pull);
      }
      log.info(
          "Agent {} kernel {} (session {}) closed its runner connection",
          agentId,
          kernelId,
          sessionId);
    }
  }

  private void sendQueued(ZMQ.Socket push) {
    Outgoing next;
    while ((next = outbox.poll()) != null) {
      boolean sent =
          push.sendMore(next.operation())
              && push.send(next.payload().getBytes(StandardCharsets.UTF_8), 0);
      if (!sent) {
        log.warn(
            "Agent {} kernel {} (session {}) failed to send {} to the runner",
            agentId,
            kernelId,
            sessionId,
            next.operation());
      }
    }
  }

  /**
   * Interrupts the current run once it passes its time limit; called only by the I/O thread, at
   * least every {@value #POLL_MILLIS} ms.
   *
   * <p>NOTE: The run ends only when the runner reports it. The runner of this product kills and
   * restarts the language driver when a run has not ended 2 s after an interrupt. A runner without
   * that escalation can leave the run going after its limit.
   */
  private synchronized void enforceDeadline() {
    Run current = run;
    if (current == null
        || current.finished
        || current.timedOut
        || current.closingEnd != null
        || !current.hasDeadline) {
      return;
    }
    if (System.nanoTime() - current.deadlineNanos < 0) {
      return;
    }
    current.timedOut = true;
    current.waitingInput = false;
    current.pendingSteps.clear();
    outbox.add(INTERRUPT);
    log.info(
        "Agent {} kernel {} (session {}) run {} passed its time limit; sent interrupt",
        agentId,
        kernelId,
        sessionId,
        current.runId);
    notifyAll();
  }

  /** Files one record from the runner; called only by the I/O thread. */
  synchronized void onRecord(String type, byte[] payload) {
    switch (type) {
      case "status" -> {
        JsonNode status = parse(type, payload);
        if (status != null && status.path("ready").asBoolean(false)) {
          if (!ready) {
            log.info(
                "Agent {} kernel {} (session {}) runner is ready", agentId, kernelId, sessionId);
          }
          ready = true;
        }
      }
      case "stdout", "stderr", "log", "html" -> {
        if (acceptsOutput()) {
          run.collector.addText(type, payload);
        }
      }
      case "media" -> {
        JsonNode media = parse(type, payload);
        if (media != null && media.isArray() && media.size() == 2 && acceptsOutput()) {
          JsonNode data = media.get(1);
          run.collector.addMedia(
              media.get(0).asText(), data.isTextual() ? data.asText() : data.toString());
        }
      }
      case "finished" -> {
        if (run != null && !run.finished && run.closingEnd != null) {
          endRun(run.closingEnd.status(), run.closingEnd.exitCode());
        } else if (run != null && !run.finished) {
          endRun(run.timedOut ? "exec-timeout" : "finished", exitCode(parse(type, payload)));
        } else if (completionPending) {
          // A runner without completion support ends the request with a finished record.
          completions = List.of();
        }
      }
      case "waiting-input" -> {
        if (run != null && !run.finished && !run.timedOut) {
          JsonNode request = parse(type, payload);
          run.waitingInput = true;
          run.passwordInput = request != null && request.path("isPassword").asBoolean(false);
        }
      }
      case "build-finished", "clean-finished" -> {
        if (run != null && !run.finished && run.closingEnd == null) {
          endBatchStep(type, exitCode(parse(type, payload)));
        }
      }
      case "completion" -> {
        JsonNode list = parse(type, payload);
        List<String> result = new ArrayList<>();
        if (list != null && list.isArray()) {
          list.forEach(item -> result.add(item.asText()));
        }
        completions = result;
      }
      default ->
          log.debug(
              "Agent {} kernel {} (session {}) ignored a record of unknown type {}",
              agentId,
              kernelId,
              sessionId,
              type);
    }
    notifyAll();
  }

  /**
   * Files the end of a {@code clean} or {@code build} step and sends the next step. A build that
   * fails, or any step after the time limit passed, ends the batch without the user's {@code exec}.
   * The agent itself goes on after a failed clean, but the runner then skips the build.
   */
  private void endBatchStep(String type, Integer exitCode) {
    if (run.timedOut) {
      closeBatch(new Stage("exec-timeout", exitCode));
      return;
    }
    boolean buildFailed = type.equals("build-finished") && exitCode != null && exitCode != 0;
    if (buildFailed) {
      run.collector.addText(
          "stderr",
          ("The exec step was skipped because the build step failed with exit code "
                  + exitCode
                  + ".\n")
              .getBytes(StandardCharsets.UTF_8));
      closeBatch(new Stage(type, exitCode));
      return;
    }
    run.stages.addLast(new Stage(type, exitCode));
    Outgoing next = run.pendingSteps.pollFirst();
    if (next != null) {
      outbox.add(next);
    }
  }

  /** Sends {@link #CLOSING_EXEC}; the run ends with {@code end} once the runner reports it. */
  private void closeBatch(Stage end) {
    run.closingEnd = end;
    run.pendingSteps.clear();
    outbox.add(CLOSING_EXEC);
  }

  private void endRun(String status, Integer exitCode) {
    run.finished = true;
    run.endStatus = status;
    run.exitCode = exitCode;
    run.waitingInput = false;
    run.pendingSteps.clear();
  }

  private boolean acceptsOutput() {
    if (run != null && !run.finished && run.closingEnd == null) {
      return true;
    }
    idleDroppedRecords++;
    if (idleDroppedRecords == 1 || idleDroppedRecords % 1000 == 0) {
      log.debug(
          "Agent {} kernel {} (session {}) dropped {} output records from outside a run or from"
              + " the exec that closes a batch",
          agentId,
          kernelId,
          sessionId,
          idleDroppedRecords);
    }
    return false;
  }

  private JsonNode parse(String type, byte[] payload) {
    try {
      return JSON.readTree(payload);
    } catch (java.io.IOException e) {
      log.warn(
          "Agent {} kernel {} (session {}) got a {} record whose payload is not JSON: {}",
          agentId,
          kernelId,
          sessionId,
          type,
          e.getMessage());
      return null;
    }
  }

  private static Integer exitCode(JsonNode record) {
    JsonNode code = record == null ? null : record.get("exitCode");
    return code == null || !code.canConvertToInt() ? null : code.asInt();
  }
}
