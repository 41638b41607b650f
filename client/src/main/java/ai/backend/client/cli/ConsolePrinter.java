package ai.backend.client.cli;

import ai.backend.client.BackendClientException;
import ai.backend.client.ConsoleItem;
import ai.backend.client.ExecutionResult;
import ai.backend.client.RunListener;
import java.io.BufferedReader;
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
  private boolean atLineStart = true;

  ConsolePrinter(PrintWriter out, PrintWriter err, BufferedReader stdin) {
    this.out = out;
    this.err = err;
    this.stdin = stdin;
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

  /** Reads the next line of this process's standard input and sends it to the waiting code. */
  @Override
  public String onInputRequest(ExecutionResult prompt) {
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
    atLineStart = true;
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
