package ai.backend.client.cli;

import ai.backend.client.BackendClient;
import ai.backend.client.BackendClientConfig;
import ai.backend.client.FakeManagerServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code bai} commands in the test JVM against a {@link FakeManagerServer}, with a working
 * folder, scripted standard input, no terminal unless a test scripts password entries, a Ctrl-C
 * that tests fire by hand and an exit that only records its code.
 */
final class CliHarness implements AutoCloseable {

  static final String ACCESS_KEY = "AKIACLIHARNESS000001";
  static final String SECRET_KEY = "cli-harness-secret";

  /** The output and exit code of one {@code bai} invocation. */
  record Invocation(int exitCode, String out, String err) {}

  /** A Ctrl-C that the test presses; it is installed only while a command runs code. */
  static final class ManualCtrlC implements InterruptTrap {
    private Runnable handler;
    private int installations;

    @Override
    public synchronized Installation install(Runnable newHandler) {
      handler = newHandler;
      installations++;
      return () -> {
        synchronized (ManualCtrlC.this) {
          handler = null;
        }
      };
    }

    /** Presses Ctrl-C; fails when no command is running code. */
    void press() {
      Runnable current;
      synchronized (this) {
        current = handler;
      }
      if (current == null) {
        throw new IllegalStateException("Ctrl-C pressed while no run is in progress");
      }
      current.run();
    }

    synchronized int installations() {
      return installations;
    }

    synchronized boolean installed() {
      return handler != null;
    }
  }

  final FakeManagerServer server;
  final Path home;
  final Path workingDirectory;
  final ManualCtrlC ctrlC = new ManualCtrlC();
  final List<Integer> exitCodes = Collections.synchronizedList(new ArrayList<>());

  /** The prompts that password reads printed, in order. */
  final List<String> passwordPrompts = Collections.synchronizedList(new ArrayList<>());

  private final Deque<String> passwordEntries = new ArrayDeque<>();
  private boolean terminal;

  CliHarness(Path temp) throws IOException {
    server = FakeManagerServer.start(ACCESS_KEY, SECRET_KEY);
    home = Files.createDirectories(temp.resolve("home"));
    workingDirectory = Files.createDirectories(temp.resolve("work"));
  }

  Invocation bai(String... args) {
    return baiWithInput("", args);
  }

  Invocation baiWithInput(String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        BaiCommand.execute(args, context(stdin), new PrintWriter(out), new PrintWriter(err));
    return new Invocation(exitCode, out.toString(), err.toString());
  }

  /**
   * Runs a command with standard output and standard error in one writer, which the caller may read
   * while the command runs. The invocation's {@code out} is the merged text.
   */
  Invocation baiMerged(StringWriter both, String... args) {
    PrintWriter writer = new PrintWriter(both);
    int exitCode = BaiCommand.execute(args, context(""), writer, writer);
    return new Invocation(exitCode, both.toString(), "");
  }

  /** Runs a command with other environment variables, such as another keypair. */
  Invocation baiWithEnv(Map<String, String> env, String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        BaiCommand.execute(args, context(env, stdin), new PrintWriter(out), new PrintWriter(err));
    return new Invocation(exitCode, out.toString(), err.toString());
  }

  /**
   * Gives the commands a terminal on which the user types these passwords, one per prompt. A prompt
   * after the last entry reads the end of input.
   */
  synchronized void typePasswords(String... entries) {
    terminal = true;
    passwordEntries.addAll(List.of(entries));
  }

  /** Returns the environment that points bai at the fake server with the harness keypair. */
  Map<String, String> defaultEnv() {
    return Map.of(
        "BACKEND_ENDPOINT", server.endpoint(),
        "BACKEND_ACCESS_KEY", ACCESS_KEY,
        "BACKEND_SECRET_KEY", SECRET_KEY);
  }

  CliContext context(String stdin) {
    return context(defaultEnv(), stdin);
  }

  CliContext context(Map<String, String> env, String stdin) {
    return new CliContext(
        env,
        home,
        new BufferedReader(new StringReader(stdin)),
        () -> null,
        ctrlC,
        exitCodes::add,
        workingDirectory,
        scriptedTerminal());
  }

  /** Returns a terminal that reads the scripted passwords, or null when none were scripted. */
  private CliContext.PasswordPrompt scriptedTerminal() {
    synchronized (this) {
      if (!terminal) {
        return null;
      }
    }
    return prompt -> {
      synchronized (CliHarness.this) {
        passwordPrompts.add(prompt);
        String entry = passwordEntries.poll();
        return entry == null ? null : entry.toCharArray();
      }
    };
  }

  BackendClient sdkClient() {
    return new BackendClient(BackendClientConfig.of(server.endpoint(), ACCESS_KEY, SECRET_KEY));
  }

  /** Writes a file below the working folder. */
  Path workFile(String relativePath, String content) throws IOException {
    Path file = workingDirectory.resolve(relativePath);
    Files.createDirectories(file.getParent());
    return Files.writeString(file, content);
  }

  /** Returns the requests as {@code METHOD /path} with session ids replaced by {@code ID}. */
  List<String> requestLines() {
    return server.requests().stream()
        .map(
            request ->
                request.method() + " " + request.path().replaceAll("/session/[^/]+", "/session/ID"))
        .toList();
  }

  @Override
  public void close() {
    server.close();
  }
}
