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
 * {@code code} request and waits for its {@code finished} record. It prints every record as {@code
 * <type> <payload as a JSON string>} and exits with the last run's exit code, with 124 if the
 * runner does not respond in time, or with 2 on invalid arguments.
 */
public final class RunnerProbe {

  private static final String USAGE =
      """
      Usage: java -cp runner.jar ai.backend.kernel.tools.RunnerProbe [options] CODE...
        --host HOST        runner address (default 127.0.0.1)
        --port-in PORT     runner request port (default 2000)
        --port-out PORT    runner record port (default 2001)
        --timeout SECONDS  time limit for the ready status and for each run (default 30)
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
    List<String> codes = new ArrayList<>();
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--host" -> host = value(args, ++i);
          case "--port-in" -> portIn = Integer.parseInt(value(args, ++i));
          case "--port-out" -> portOut = Integer.parseInt(value(args, ++i));
          case "--timeout" -> timeout = Duration.ofSeconds(Long.parseLong(value(args, ++i)));
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
    System.exit(probe(host, portIn, portOut, timeout, codes));
  }

  private static int probe(
      String host, int portIn, int portOut, Duration timeout, List<String> codes) {
    try (RunnerClient client = new RunnerClient(host, portIn, portOut)) {
      if (!awaitReady(client, timeout)) {
        System.err.println(
            "No status record from " + host + " within " + timeout.toSeconds() + " s.");
        return TIMED_OUT;
      }
      int exitCode = 0;
      for (String code : codes) {
        client.send("code", code);
        Record finished = awaitRecord(client, "finished", timeout);
        if (finished == null) {
          System.err.println("The run did not finish within " + timeout.toSeconds() + " s.");
          return TIMED_OUT;
        }
        exitCode = RunnerClient.exitCode(finished);
      }
      return exitCode;
    }
  }

  private static boolean awaitReady(RunnerClient client, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      client.send("status", "");
      Duration remaining = Duration.between(Instant.now(), deadline);
      Duration wait = remaining.compareTo(STATUS_INTERVAL) < 0 ? remaining : STATUS_INTERVAL;
      if (awaitRecord(client, "status", wait) != null) {
        return true;
      }
    }
    return false;
  }

  /** Prints records until one of the given type arrives, and returns it, or null on timeout. */
  private static Record awaitRecord(RunnerClient client, String type, Duration timeout) {
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
      String payload = new String(JsonStringEncoder.getInstance().quoteAsString(record.payload()));
      System.out.println(record.type() + " \"" + payload + "\"");
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
