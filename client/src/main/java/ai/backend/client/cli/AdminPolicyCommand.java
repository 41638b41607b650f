package ai.backend.client.cli;

import ai.backend.client.admin.ResourcePolicy;
import ai.backend.client.admin.ResourcePolicySpec;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code bai admin policy}: manages keypair resource policies. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Manages keypair resource policies: the limits of the sessions of the keypairs that use"
          + " them.",
      "Only a superadmin may create, change or delete policies; an admin reads them."
    },
    subcommands = {
      AdminPolicyCommand.ListPolicies.class,
      AdminPolicyCommand.CreatePolicy.class,
      AdminPolicyCommand.PolicyInfo.class,
      AdminPolicyCommand.UpdatePolicy.class,
      AdminPolicyCommand.DeletePolicy.class
    })
final class AdminPolicyCommand extends CommandGroup {

  static void printPolicy(PrintWriter out, ResourcePolicy policy) {
    new FieldList()
        .add("Name", policy.name())
        .add("Total resources", FieldList.slotsOrUnlimited(policy.totalResourceSlots()))
        .add("Default for unspecified", policy.defaultForUnspecified())
        .add("Max concurrent sessions", policy.maxConcurrentSessions())
        .add("Max containers per session", policy.maxContainersPerSession())
        .add("Idle timeout", seconds(policy.idleTimeout()))
        .add("Max session lifetime", seconds(policy.maxSessionLifetime()))
        .add("Created at", PsCommand.formatTimestamp(policy.createdAt()))
        .add("Modified at", PsCommand.formatTimestamp(policy.modifiedAt()))
        .print(out);
  }

  /** Formats a time limit in seconds, 0 meaning none. */
  static String seconds(Long value) {
    if (value == null) {
      return null;
    }
    return value == 0 ? "none" : value + " s";
  }

  /** The limit options that create and update share; each is null when not given. */
  static final class LimitOptions {

    @Option(
        names = "--default-for-unspecified",
        paramLabel = "MODE",
        description =
            "UNLIMITED or LIMITED: whether a slot missing from the resource limits is unlimited"
                + " or zero.")
    String defaultForUnspecified;

    @Option(
        names = "--max-concurrent-sessions",
        paramLabel = "N",
        description = "Maximum number of live sessions of one keypair.")
    Integer maxConcurrentSessions;

    @Option(
        names = "--max-containers-per-session",
        paramLabel = "N",
        description = "Maximum cluster size of one session.")
    Integer maxContainersPerSession;

    @Option(
        names = "--idle-timeout",
        paramLabel = "SECONDS",
        description = "Seconds without API activity after which a session ends, 0 for none.")
    Long idleTimeout;

    @Option(
        names = "--max-session-lifetime",
        paramLabel = "SECONDS",
        description = "Seconds after its creation at which a session ends, 0 for none.")
    Long maxSessionLifetime;

    /**
     * Returns a spec with these limits and the given slots.
     *
     * @throws ParameterException if a number is negative
     */
    ResourcePolicySpec toSpec(Map<String, String> slots, CommandLine commandLine) {
      requireNotNegative(maxConcurrentSessions, "--max-concurrent-sessions", commandLine);
      requireNotNegative(maxContainersPerSession, "--max-containers-per-session", commandLine);
      requireNotNegative(idleTimeout, "--idle-timeout", commandLine);
      requireNotNegative(maxSessionLifetime, "--max-session-lifetime", commandLine);
      return new ResourcePolicySpec(
          slots,
          defaultForUnspecified,
          maxConcurrentSessions,
          maxContainersPerSession,
          idleTimeout,
          maxSessionLifetime);
    }

    private static void requireNotNegative(Number value, String option, CommandLine commandLine) {
      if (value != null && value.longValue() < 0) {
        throw new ParameterException(
            commandLine,
            "invalid value '" + value + "' for option '" + option + "': it must be 0 or more");
      }
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Lists the keypair resource policies as a table.")
  static final class ListPolicies extends AdminSubcommand {

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      List<ResourcePolicy> policies = admin().listResourcePolicies();
      if (json.enabled) {
        JsonOption.print(out(), policies);
        return 0;
      }
      if (policies.isEmpty()) {
        out().println("No resource policies.");
        out().flush();
        return 0;
      }
      TextTable table =
          new TextTable(
              "NAME",
              "TOTAL RESOURCES",
              "UNSPECIFIED",
              "SESSIONS",
              "CONTAINERS",
              "IDLE TIMEOUT",
              "MAX LIFETIME");
      for (ResourcePolicy policy : policies) {
        table.addRow(
            policy.name(),
            FieldList.slotsOrUnlimited(policy.totalResourceSlots()),
            policy.defaultForUnspecified(),
            text(policy.maxConcurrentSessions()),
            text(policy.maxContainersPerSession()),
            seconds(policy.idleTimeout()),
            seconds(policy.maxSessionLifetime()));
      }
      table.print(out());
      return 0;
    }

    private static String text(Integer value) {
      return value == null ? null : value.toString();
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = {
        "Creates a keypair resource policy.",
        "Defaults: no resource limits, UNLIMITED, 30 sessions, 1 container, no idle timeout, no"
            + " lifetime limit."
      })
  static final class CreatePolicy extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Policy name.")
    String name;

    @Option(
        names = {"-r", "--resources"},
        paramLabel = "KEY=VALUE",
        converter = KeyValue.Converter.class,
        description =
            "Maximum sum of a slot over a keypair's live sessions, such as cpu=4 or mem=8g."
                + " Repeat for more slots.")
    List<KeyValue> resources = new ArrayList<>();

    @Mixin LimitOptions limits;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      Map<String, String> slots = KeyValue.toMap(resources, "-r", false, spec.commandLine());
      ResourcePolicySpec policySpec =
          limits.toSpec(slots.isEmpty() ? null : slots, spec.commandLine());
      ResourcePolicy policy = admin().createResourcePolicy(name, policySpec);
      if (json.enabled) {
        JsonOption.print(out(), policy);
        return 0;
      }
      out().println("Created resource policy " + policy.name() + ".");
      printPolicy(out(), policy);
      return 0;
    }
  }

  @Command(
      name = "info",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Prints the details of one keypair resource policy.")
  static final class PolicyInfo extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Policy name.")
    String name;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      ResourcePolicy policy = admin().getResourcePolicy(name);
      if (json.enabled) {
        JsonOption.print(out(), policy);
      } else {
        printPolicy(out(), policy);
      }
      return 0;
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Changes the given limits of a keypair resource policy and keeps the others.")
  static final class UpdatePolicy extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Policy name.")
    String name;

    @Mixin SlotLimitOptions resources;

    @Mixin LimitOptions limits;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      ResourcePolicySpec changes =
          limits.toSpec(resources.value(spec.commandLine()), spec.commandLine());
      if (changes.isEmpty()) {
        throw usageError("nothing to update: give -r, --clear-resources or a limit option");
      }
      ResourcePolicy policy = admin().updateResourcePolicy(name, changes);
      if (json.enabled) {
        JsonOption.print(out(), policy);
        return 0;
      }
      out().println("Updated resource policy " + policy.name() + ".");
      printPolicy(out(), policy);
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = {
        "Deletes a keypair resource policy.",
        "The manager rejects it while keypairs use the policy."
      })
  static final class DeletePolicy extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Policy name.")
    String name;

    @Override
    public Integer call() {
      admin().deleteResourcePolicy(name);
      out().println("Deleted resource policy " + name + ".");
      out().flush();
      return 0;
    }
  }
}
