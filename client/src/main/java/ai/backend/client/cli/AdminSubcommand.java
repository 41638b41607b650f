package ai.backend.client.cli;

import ai.backend.client.AdminClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A command under {@code bai admin}, such as {@code bai admin user create}. It reaches the {@link
 * CliContext} through the chain of parent commands up to {@code bai}.
 */
abstract class AdminSubcommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  CliContext context() {
    CommandSpec root = spec;
    while (root.parent() != null) {
      root = root.parent();
    }
    return ((BaiCommand) root.userObject()).context();
  }

  AdminClient admin() {
    return context().client().admin();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Returns a usage error of this command, which exits with 2. */
  ParameterException usageError(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
