package ai.backend.client.cli;

import ai.backend.client.admin.CreatedKeyPair;
import ai.backend.client.admin.KeyPair;
import ai.backend.client.admin.KeyPairSpec;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bai admin keypair}: lists, creates, shows, changes and deletes keypairs. */
@Command(
    name = "keypair",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Manages API keypairs.",
      "A keypair belongs to one user; its secret key is shown once, when it is created."
    },
    subcommands = {
      AdminKeyPairCommand.ListKeyPairs.class,
      AdminKeyPairCommand.CreateKeyPair.class,
      AdminKeyPairCommand.KeyPairInfo.class,
      AdminKeyPairCommand.UpdateKeyPair.class,
      AdminKeyPairCommand.ActivateKeyPair.class,
      AdminKeyPairCommand.DeactivateKeyPair.class,
      AdminKeyPairCommand.DeleteKeyPair.class
    })
final class AdminKeyPairCommand extends CommandGroup {

  static void printKeyPair(PrintWriter out, KeyPair keyPair) {
    new FieldList()
        .add("Access key", keyPair.accessKey())
        .add("User", keyPair.userId())
        .add("User UUID", keyPair.userUuid())
        .add("Active", FieldList.yesNo(keyPair.isActive()))
        .add("Admin", FieldList.yesNo(keyPair.isAdmin()))
        .add("Resource policy", keyPair.resourcePolicy())
        .add("Rate limit", rateLimit(keyPair.rateLimit()))
        .add("Created at", PsCommand.formatTimestamp(keyPair.createdAt()))
        .add("Last used", PsCommand.formatTimestamp(keyPair.lastUsed()))
        .add("Expires at", PsCommand.formatTimestamp(keyPair.expiresAt()))
        .print(out);
  }

  private static String rateLimit(Integer limit) {
    if (limit == null) {
      return null;
    }
    return limit == 0 ? "unlimited" : limit.toString();
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Lists keypairs as a table, without their secret keys.")
  static final class ListKeyPairs extends AdminSubcommand {

    @Option(
        names = "--user",
        paramLabel = "EMAIL",
        description = "List only the keypairs of this user.")
    String user;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      List<KeyPair> keyPairs = admin().listKeyPairs(user);
      if (json.enabled) {
        JsonOption.print(out(), keyPairs);
        return 0;
      }
      if (keyPairs.isEmpty()) {
        out().println("No keypairs.");
        out().flush();
        return 0;
      }
      TextTable table =
          new TextTable(
              "ACCESS KEY",
              "USER",
              "ACTIVE",
              "ADMIN",
              "RESOURCE POLICY",
              "RATE LIMIT",
              "LAST USED",
              "EXPIRES AT");
      for (KeyPair keyPair : keyPairs) {
        table.addRow(
            keyPair.accessKey(),
            keyPair.userId(),
            FieldList.yesNo(keyPair.isActive()),
            FieldList.yesNo(keyPair.isAdmin()),
            keyPair.resourcePolicy(),
            rateLimit(keyPair.rateLimit()),
            PsCommand.formatTimestamp(keyPair.lastUsed()),
            PsCommand.formatTimestamp(keyPair.expiresAt()));
      }
      table.print(out());
      return 0;
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = {
        "Creates a keypair for a user.",
        "The secret key is printed once and never again, or with --save written to a keypair"
            + " file that bai reads when BACKEND_KEYPAIR_FILE names it."
      })
  static final class CreateKeyPair extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "EMAIL", description = "Email of the keypair's user.")
    String user;

    @Option(
        names = "--resource-policy",
        paramLabel = "NAME",
        description = "Keypair resource policy. Default: default.")
    String resourcePolicy;

    @Option(
        names = "--rate-limit",
        paramLabel = "REQUESTS",
        description = "Requests allowed per rate limit window, 0 for no limit. Default: 1000.")
    Integer rateLimit;

    @Option(names = "--inactive", description = "Create the keypair inactive.")
    boolean inactive;

    @Option(
        names = "--save",
        paramLabel = "FILE",
        description =
            "Write the endpoint, access key and secret key to this new file (mode 600) in place of"
                + " printing the secret key.")
    Path saveFile;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      if (rateLimit != null && rateLimit < 0) {
        throw usageError(
            "invalid value '" + rateLimit + "' for option '--rate-limit': it must be 0 or more");
      }
      if (json.enabled && saveFile != null) {
        throw usageError("give either --json or --save, not both");
      }
      KeyPairSpec keyPairSpec = new KeyPairSpec(inactive ? false : null, resourcePolicy, rateLimit);
      CreatedKeyPair created = admin().createKeyPair(user, keyPairSpec);
      if (json.enabled) {
        ObjectNode tree = JsonOption.toTree(created.keyPair());
        tree.put("secretKey", created.secretKey());
        JsonOption.print(out(), tree);
        err().println("bai: warning: the secret key will not be shown again; store it now");
        err().flush();
        return 0;
      }
      out().println("Created keypair " + created.accessKey() + " for " + user + ".");
      printKeyPair(out(), created.keyPair());
      SecretKeyOutput.deliver(
          out(),
          err(),
          saveFile == null ? null : context().workingDirectory().resolve(saveFile),
          context().client().config().endpoint(),
          created.accessKey(),
          created.secretKey(),
          "create the keypair with --save FILE");
      return 0;
    }
  }

  @Command(
      name = "info",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Prints the details of one keypair, without its secret key.")
  static final class KeyPairInfo extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "ACCESS_KEY", description = "Access key.")
    String accessKey;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      KeyPair keyPair = admin().getKeyPair(accessKey);
      if (json.enabled) {
        JsonOption.print(out(), keyPair);
      } else {
        printKeyPair(out(), keyPair);
      }
      return 0;
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Changes the resource policy or the rate limit of a keypair.")
  static final class UpdateKeyPair extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "ACCESS_KEY", description = "Access key.")
    String accessKey;

    @Option(
        names = "--resource-policy",
        paramLabel = "NAME",
        description = "New keypair resource policy.")
    String resourcePolicy;

    @Option(
        names = "--rate-limit",
        paramLabel = "REQUESTS",
        description = "New number of requests allowed per rate limit window, 0 for no limit.")
    Integer rateLimit;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      if (rateLimit != null && rateLimit < 0) {
        throw usageError(
            "invalid value '" + rateLimit + "' for option '--rate-limit': it must be 0 or more");
      }
      KeyPairSpec changes = new KeyPairSpec(null, resourcePolicy, rateLimit);
      if (changes.isEmpty()) {
        throw usageError("nothing to update: give --resource-policy or --rate-limit");
      }
      return printUpdated(this, json, admin().updateKeyPair(accessKey, changes));
    }
  }

  @Command(
      name = "activate",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Activates a keypair, so the manager accepts its requests again.")
  static final class ActivateKeyPair extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "ACCESS_KEY", description = "Access key.")
    String accessKey;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      KeyPair keyPair = admin().updateKeyPair(accessKey, KeyPairSpec.empty().withActive(true));
      return printUpdated(this, json, keyPair);
    }
  }

  @Command(
      name = "deactivate",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description =
          "Deactivates a keypair: the manager rejects its requests until it is activated.")
  static final class DeactivateKeyPair extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "ACCESS_KEY", description = "Access key.")
    String accessKey;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      KeyPair keyPair = admin().updateKeyPair(accessKey, KeyPairSpec.empty().withActive(false));
      return printUpdated(this, json, keyPair);
    }
  }

  private static int printUpdated(AdminSubcommand command, JsonOption json, KeyPair keyPair) {
    if (json.enabled) {
      JsonOption.print(command.out(), keyPair);
      return 0;
    }
    command.out().println("Updated keypair " + keyPair.accessKey() + ".");
    printKeyPair(command.out(), keyPair);
    return 0;
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = {
        "Deletes a keypair and its finished sessions.",
        "The manager rejects it while the keypair has live sessions."
      })
  static final class DeleteKeyPair extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "ACCESS_KEY", description = "Access key.")
    String accessKey;

    @Override
    public Integer call() {
      admin().deleteKeyPair(accessKey);
      out().println("Deleted keypair " + accessKey + ".");
      out().flush();
      return 0;
    }
  }
}
