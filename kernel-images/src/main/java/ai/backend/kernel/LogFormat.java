package ai.backend.kernel;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One-line log format for the container log: time, level, class and message. */
final class LogFormat extends Formatter {

  /** Replaces the default java.util.logging setup with one handler on stderr in this format. */
  static void install() {
    LogManager.getLogManager().reset();
    Handler handler = new ConsoleHandler();
    handler.setFormatter(new LogFormat());
    Logger.getLogger("").addHandler(handler);
  }

  @Override
  public String format(LogRecord record) {
    StringBuilder line = new StringBuilder();
    line.append(Instant.ofEpochMilli(record.getMillis()))
        .append(' ')
        .append(record.getLevel().getName())
        .append(' ')
        .append(simpleName(record.getLoggerName()))
        .append(": ")
        .append(formatMessage(record))
        .append('\n');
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      line.append(trace);
    }
    return line.toString();
  }

  private static String simpleName(String loggerName) {
    if (loggerName == null) {
      return "";
    }
    return loggerName.substring(loggerName.lastIndexOf('.') + 1);
  }
}
