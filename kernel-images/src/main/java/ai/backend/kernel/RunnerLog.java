package ai.backend.kernel;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;

/**
 * Plain one-line log on stderr, which Docker keeps as the container log.
 *
 * <p>The runner does not use java.util.logging because its LogManager removes all handlers in a
 * shutdown hook of its own, which drops what the runner logs while it stops on SIGTERM.
 */
final class RunnerLog {

  private final String source;

  private RunnerLog(String source) {
    this.source = source;
  }

  static RunnerLog forClass(Class<?> type) {
    return new RunnerLog(type.getSimpleName());
  }

  void info(String message) {
    write("INFO", message, null);
  }

  void warning(String message) {
    write("WARNING", message, null);
  }

  void error(String message) {
    write("ERROR", message, null);
  }

  void error(String message, Throwable error) {
    write("ERROR", message, error);
  }

  private void write(String level, String message, Throwable error) {
    StringBuilder line = new StringBuilder();
    line.append(Instant.now())
        .append(' ')
        .append(level)
        .append(' ')
        .append(source)
        .append(": ")
        .append(message)
        .append('\n');
    if (error != null) {
      StringWriter trace = new StringWriter();
      error.printStackTrace(new PrintWriter(trace));
      line.append(trace);
    }
    // One print call per entry, so lines from different threads do not interleave.
    PrintStream stderr = System.err;
    stderr.print(line);
    stderr.flush();
  }
}
