package ai.backend.kernel.tools;

import ai.backend.kernel.Record;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line check of a running kernel runner.
 *
 * <p>It sends {@code status} until the ready record arrives, then sends each CODE argument as a
 * request ({@code code} unless {@code --operation} sets another) and waits for its end record. It
 * prints every record as {@code <type> <payload as a JSON string>}, or with {@code --summary} as
 * {@code <type> <payload length>}, and exits with the last run's exit code, with 124 if the runner
 * does not respond in time, or with 2 on invalid arguments.
 */
public final class RunnerProbe {

  private static final String USAGE =
      """
      Usage: java -cp runner.jar ai.backend.kernel.tools.RunnerProbe [options] CODE...
        --host HOST        runner address (default 127.0.0.1)
        --port-in PORT     runner request port (default 2000)
        --port-out PORT    runner record port (default 2001)
        --timeout SECONDS  time limit for the ready status and for each run (default 30)
        --operation OP     request to send each CODE as: code, clean, build or exec (default code)
        --interrupt-after SECONDS
                           send an interrupt when a run has taken this long (default: never)
        --summary          print the payload length of each record instead of the payload
      """;
  private static final int TIMED_OUT = 124;
  private static final int USAGE_ERROR = 2;

  /**
   * Interval between status requests. The runner's PUSH socket may still hand a reply to a client
   * that has just disconnected, so one request can go unanswered.
   */
  private static final Duration STATUS_INTERVAL = Duration.ofSeconds(1);

  private RunnerProbe() {}

  public static void main(String[] args) {
    String host = "127.0.0.1";
    int portIn = 2000;
    int portOut = 2001;
    Duration timeout = Duration.ofSeconds(30);
    Options options = new Options("code", null, false);
    List<String> codes = new ArrayList<>();
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--host" -> host = value(args, ++i);
          case "--port-in" -> portIn = Integer.parseInt(value(args, ++i));
          case "--port-out" -> portOut = Integer.parseInt(value(args, ++i));
          case "--timeout" -> timeout = Duration.ofSeconds(Long.parseLong(value(args, ++i)));
          case "--operation" -> options = options.withOperation(value(args, ++i));
          case "--interrupt-after" ->
              options =
                  options.withInterruptAfter(Duration.ofSeconds(Long.parseLong(value(args, ++i))));
          case "--summary" -> options = options.withSummary();
          default -> {
            if (args[i].startsWith("--")) {
              throw new IllegalArgumentException("Unknown option: " + args[i]);
            }
            codes.add(args[i]);
          }
        }
      }
      if (codes.isEmpty()) {
        throw new IllegalArgumentException("Missing the CODE argument.");
      }
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(USAGE);
      System.exit(USAGE_ERROR);
      return;
    }
    System.exit(probe(host, portIn, portOut, timeout, options, codes));
  }

  /**
   * @param operation request type for each CODE argument
   * @param interruptAfter run time after which an interrupt is sent, or null for never
   * @param summary print payload lengths instead of payloads
   */
  private record Options(String operation, Duration interruptAfter, boolean summary) {

    Options withOperation(String value) {
      if (!List.of("code", "clean", "build", "exec").contains(value)) {
        throw new IllegalArgumentException(
            "Invalid --operation '" + value + "'; expected code, clean, build or exec.");
      }
      return new Options(value, interruptAfter, summary);
    }

    Options withInterruptAfter(Duration value) {
      return new Options(operation, value, summary);
    }

    Options withSummary() {
      return new Options(operation, interruptAfter, true);
    }

    String endType() {
      return switch (operation) {
        case "clean" -> "clean-finished";
        case "build" -> "build-finished";
        default -> "finished";
      };
    }
  }

  private static int probe(
      String host, int portIn, int portOut, Duration timeout, Options options, List<String> codes) {
    try (RunnerClient client = new RunnerClient(host, portIn, portOut)) {
      if (!awaitReady(client, timeout, options)) {
        System.err.println(
            "No status record from " + host + " within " + timeout.toSeconds() + " s.");
        return TIMED_OUT;
      }
      int exitCode = 0;
      for (String code : codes) {
        client.send(options.operation(), code);
        Record finished = awaitEnd(client, timeout, options);
        if (finished == null) {
          System.err.println("The run did not finish within " + timeout.toSeconds() + " s.");
          return TIMED_OUT;
        }
        exitCode = RunnerClient.exitCode(finished);
      }
      return exitCode;
    }
  }

  /**
   * Prints records until the run's end record, interrupting the run if --interrupt-after is set.
   */
  private static Record awaitEnd(RunnerClient client, Duration timeout, Options options) {
    if (options.interruptAfter() == null) {
      return awaitRecord(client, options.endType(), timeout, options);
    }
    Record end = awaitRecord(client, options.endType(), options.interruptAfter(), options);
    if (end != null) {
      return end;
    }
    System.err.println(
        "Sending an interrupt after " + options.interruptAfter().toSeconds() + " s.");
    client.send("interrupt", "");
    return awaitRecord(client, options.endType(), timeout, options);
  }

  private static boolean awaitReady(RunnerClient client, Duration timeout, Options options) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      client.send("status", "");
      Duration remaining = Duration.between(Instant.now(), deadline);
      Duration wait = remaining.compareTo(STATUS_INTERVAL) < 0 ? remaining : STATUS_INTERVAL;
      if (awaitRecord(client, "status", wait, options) != null) {
        return true;
      }
    }
    return false;
  }

  /** Prints records until one of the given type arrives, and returns it, or null on timeout. */
  private static Record awaitRecord(
      RunnerClient client, String type, Duration timeout, Options options) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      Duration remaining = Duration.between(Instant.now(), deadline);
      if (remaining.isNegative() || remaining.isZero()) {
        return null;
      }
      Record record = client.receive(remaining);
      if (record == null) {
        return null;
      }
      if (options.summary()) {
        System.out.println(record.type() + " " + record.payload().length());
      } else {
        String payload =
            new String(JsonStringEncoder.getInstance().quoteAsString(record.payload()));
        System.out.println(record.type() + " \"" + payload + "\"");
      }
      if (record.type().equals(type)) {
        return record;
      }
    }
  }

  private static String value(String[] args, int index) {
    if (index >= args.length) {
      throw new IllegalArgumentException("Missing a value after " + args[index - 1] + ".");
    }
    return args[index];
  }
}
