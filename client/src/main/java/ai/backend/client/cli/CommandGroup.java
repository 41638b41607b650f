package ai.backend.client.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A command that only contains subcommands, such as {@code bai admin} and {@code bai admin user}.
 * Called without one, it fails with a usage error that lists them.
 */
abstract class CommandGroup implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    List<String> names = new ArrayList<>(spec.subcommands().keySet());
    String choices =
        names.size() == 1
            ? names.get(0)
            : String.join(", ", names.subList(0, names.size() - 1))
                + " or "
                + names.get(names.size() - 1);
    throw new ParameterException(spec.commandLine(), "missing command: use " + choices);
  }
}
