package ai.backend.client.cli;

import ai.backend.client.ApiVersion;
import ai.backend.common.auth.RequestSignature;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bai version}: prints the client's and the manager's versions. */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = "Prints the client version and the API and release versions of the manager.")
final class VersionCommand implements Callable<Integer> {

  @ParentCommand private BaiCommand parent;

  @Spec private CommandSpec spec;

  @Override
  public Integer call() {
    ApiVersion version = parent.context().client().apiVersion();
    PrintWriter out = spec.commandLine().getOut();
    out.println("Client version:  " + ClientVersion.release());
    out.println("API version:     " + version.version());
    out.println("Manager version: " + version.manager());
    out.flush();
    if (!RequestSignature.API_VERSION.equals(version.version())) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "bai: warning: the manager speaks API "
              + version.version()
              + " but this client speaks "
              + RequestSignature.API_VERSION);
      err.flush();
    }
    return 0;
  }
}
