package ai.backend.client.bench;

import ai.backend.client.BackendClient;
import ai.backend.client.BackendClientConfig;
import ai.backend.client.ExecutionMode;
import ai.backend.client.ExecutionResult;
import ai.backend.client.SessionCreated;
import ai.backend.client.SessionSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Measures, over the REST API of a running manager: the time from {@code POST /session} to RUNNING,
 * and the round trip of executing {@code print(1)}. It prints figures; it asserts nothing. Usage:
 * {@code SessionBenchmark [SESSIONS] [RUNS] [IMAGE]}.
 */
public final class SessionBenchmark {

  /** Query-mode languages besides Python: image alias, code, and the output it prints. */
  private static final List<List<String>> OTHER_LANGUAGES =
      List.of(List.of("nodejs", "console.log(1)", "1\n"), List.of("r", "cat(1, '\\n')", "1 \n"));

  private SessionBenchmark() {}

  public static void main(String[] args) {
    int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    String image = args.length > 2 ? args[2] : "python";
    BackendClient client = new BackendClient(BackendClientConfig.fromEnvironment());

    List<Double> startMillis = new ArrayList<>();
    String warmSession = null;
    for (int i = 0; i < sessions; i++) {
      long begin = System.nanoTime();
      SessionCreated created =
          client.createSession(
              SessionSpec.of(image).withResources(Map.of("cpu", "1", "mem", "512m")));
      client.waitUntilRunning(created.sessionId(), Duration.ofSeconds(120));
      startMillis.add((System.nanoTime() - begin) / 1e6);
      if (warmSession == null) {
        warmSession = created.sessionId();
      } else {
        destroyAndWait(client, created.sessionId());
      }
    }

    List<Double> executeMillis = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) {
        execute(client, warmSession);
      }
      for (int i = 0; i < runs; i++) {
        long begin = System.nanoTime();
        execute(client, warmSession);
        executeMillis.add((System.nanoTime() - begin) / 1e6);
      }
    } finally {
      client.destroySession(warmSession);
    }
    System.out.printf(
        "create-to-RUNNING over %d sessions: p50 %.0f ms, max %.0f ms%n",
        sessions, percentile(startMillis, 50), percentile(startMillis, 100));
    System.out.printf(
        "execute print(1) over %d runs: p50 %.1f ms, p99 %.1f ms%n",
        runs, percentile(executeMillis, 50), percentile(executeMillis, 99));
    for (List<String> language : OTHER_LANGUAGES) {
      benchmarkLanguage(client, language.get(0), language.get(1), language.get(2), runs);
    }
  }

  private static void benchmarkLanguage(
      BackendClient client, String image, String code, String expected, int runs) {
    SessionCreated created =
        client.createSession(
            SessionSpec.of(image).withResources(Map.of("cpu", "1", "mem", "512m")));
    List<Double> millis = new ArrayList<>();
    try {
      client.waitUntilRunning(created.sessionId(), Duration.ofSeconds(120));
      for (int i = 0; i < runs + 10; i++) {
        long begin = System.nanoTime();
        ExecutionResult result =
            client.execute(
                created.sessionId(), ExecutionMode.QUERY, code, BackendClient.newRunId(), null);
        if (!expected.equals(result.stdout())) {
          throw new IllegalStateException("unexpected output in " + image + ": " + result);
        }
        if (i >= 10) {
          millis.add((System.nanoTime() - begin) / 1e6);
        }
      }
    } finally {
      destroyAndWait(client, created.sessionId());
    }
    System.out.printf(
        "execute in %s over %d runs: p50 %.1f ms, p99 %.1f ms%n",
        image, runs, percentile(millis, 50), percentile(millis, 99));
  }

  /** Destroys a session and waits until its resources are free for the next one. */
  private static void destroyAndWait(BackendClient client, String session) {
    client.destroySession(session);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!"TERMINATED".equals(client.getSession(session).status())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("session " + session + " did not terminate in 60 s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private static void execute(BackendClient client, String session) {
    ExecutionResult result =
        client.execute(session, ExecutionMode.QUERY, "print(1)", BackendClient.newRunId(), null);
    if (!"1\n".equals(result.stdout())) {
      throw new IllegalStateException("unexpected output of print(1): " + result);
    }
  }

  private static double percentile(List<Double> values, int percent) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
  }
}
