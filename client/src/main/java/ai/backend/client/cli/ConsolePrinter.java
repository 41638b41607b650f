package ai.backend.client.cli;

import ai.backend.client.BackendClientException;
import ai.backend.client.ConsoleItem;
import ai.backend.client.ExecutionResult;
import ai.backend.client.RunListener;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * Prints a run's output as it arrives: {@code stdout} records to standard output, {@code stderr}
 * records to standard error, and a one-line summary of any other record, such as {@code [media
 * image/svg+xml, 1234 bytes]}, to standard error, so standard output carries only the program's own
 * output.
 */
final class ConsolePrinter implements RunListener {

  private final PrintWriter out;
  private final PrintWriter err;
  private final BufferedReader stdin;
  private final Console console;
  private boolean atLineStart = true;

  /**
   * Creates a printer.
   *
   * @param stdin the source of input lines
   * @param console the terminal for password input without echo, or null when there is none
   */
  ConsolePrinter(PrintWriter out, PrintWriter err, BufferedReader stdin, Console console) {
    this.out = out;
    this.err = err;
    this.stdin = stdin;
    this.console = console;
  }

  @Override
  public void onConsole(ConsoleItem item) {
    switch (item.type()) {
      case ConsoleItem.STDOUT -> write(out, item.text());
      case ConsoleItem.STDERR -> write(err, item.text());
      default -> {
        // Starts the summary on its own line even when the program's last output had no newline.
        write(err, (atLineStart ? "" : "\n") + item.summary() + "\n");
      }
    }
  }

  /** Reports a failed clean step. The build and the program still run after it. */
  @Override
  public void onStepFinished(ExecutionResult step) {
    Integer exitCode = step.exitCode();
    if (ExecutionResult.CLEAN_FINISHED.equals(step.status()) && exitCode != null && exitCode != 0) {
      write(
          err,
          (atLineStart ? "" : "\n")
              + "bai: the clean command failed with exit code "
              + exitCode
              + "; the build goes on\n");
    }
  }

  /**
   * Reads the next line of input and sends it to the waiting code. A password is read from the
   * terminal without echo when there is a terminal, and otherwise, like other input, as a line of
   * standard input, which this command never prints.
   */
  @Override
  public String onInputRequest(ExecutionResult prompt) {
    out.flush();
    err.flush();
    atLineStart = true;
    if (prompt.isPasswordInput() && console != null) {
      // Console.readPassword turns echo off and prints the newline that the user typed.
      char[] password = console.readPassword();
      if (password == null) {
        throw new BackendClientException(
            "the code is waiting for a password, but the terminal input is closed");
      }
      return new String(password);
    }
    // NOTE: without a terminal object (Java 17 has none when standard output is redirected), a
    // password typed on a terminal is echoed by the terminal itself.
    String line;
    try {
      line = stdin.readLine();
    } catch (IOException e) {
      throw new BackendClientException("failed to read standard input: " + e.getMessage(), e);
    }
    if (line == null) {
      throw new BackendClientException(
          "the code is waiting for standard input, but standard input is closed");
    }
    return line;
  }

  private void write(PrintWriter stream, String text) {
    if (text.isEmpty()) {
      return;
    }
    stream.print(text);
    stream.flush();
    atLineStart = text.endsWith("\n");
  }
}
