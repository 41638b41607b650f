package ai.backend.client.cli;

import ai.backend.client.AdminClient;
import ai.backend.client.BackendClientException;
import ai.backend.client.admin.Group;
import ai.backend.client.admin.ScalingGroup;
import ai.backend.client.admin.ScalingGroupSpec;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code bai admin scaling-group}: lists, creates, shows, changes and deletes scaling groups. */
@Command(
    name = "scaling-group",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Manages scaling groups: sets of agents, each with its own scheduler, and the domains,"
          + " groups and keypairs allowed to run sessions in them.",
      "Agents join the scaling group that their configuration names. Only a superadmin may"
          + " create, change or delete scaling groups; an admin reads them."
    },
    subcommands = {
      AdminScalingGroupCommand.ListScalingGroups.class,
      AdminScalingGroupCommand.CreateScalingGroup.class,
      AdminScalingGroupCommand.ScalingGroupInfo.class,
      AdminScalingGroupCommand.UpdateScalingGroup.class,
      AdminScalingGroupCommand.DeleteScalingGroup.class
    })
final class AdminScalingGroupCommand extends CommandGroup {

  private static final Pattern UUID =
      Pattern.compile(
          "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  static void printScalingGroup(PrintWriter out, ScalingGroup group) {
    new FieldList()
        .add("Name", group.name())
        .add("Description", group.description())
        .add("Active", FieldList.yesNo(group.isActive()))
        .add("Scheduler", group.scheduler())
        .add("Agent selection", group.agentSelection())
        .add("Pending timeout", pendingTimeout(group.pendingTimeout()))
        .add("Allowed domains", String.join(", ", group.domains()))
        .add("Allowed groups", String.join(", ", group.groups()))
        .add("Allowed keypairs", String.join(", ", group.keypairs()))
        .add("Agents", agentSummary(group.agents()))
        .add("Pending sessions", group.pendingSessions())
        .add("Created at", PsCommand.formatTimestamp(group.createdAt()))
        .add("Modified at", PsCommand.formatTimestamp(group.modifiedAt()))
        .print(out);
  }

  /** Formats a pending timeout in seconds, 0 meaning none. */
  private static String pendingTimeout(Integer seconds) {
    return AdminPolicyCommand.seconds(seconds == null ? null : seconds.longValue());
  }

  /**
   * Returns the number of agents with their count per status, such as {@code 3 (2 ALIVE, 1 LOST)}.
   */
  private static String agentSummary(List<ScalingGroup.AgentStatus> agents) {
    if (agents.isEmpty()) {
      return "none";
    }
    Map<String, Integer> byStatus = new TreeMap<>();
    for (ScalingGroup.AgentStatus agent : agents) {
      byStatus.merge(String.valueOf(agent.status()), 1, Integer::sum);
    }
    List<String> counts = new ArrayList<>();
    byStatus.forEach((status, count) -> counts.add(count + " " + status));
    return agents.size() + " (" + String.join(", ", counts) + ")";
  }

  /** Returns {@code alive/total}, such as {@code 2/3}. */
  private static String aliveAgents(List<ScalingGroup.AgentStatus> agents) {
    long alive = agents.stream().filter(agent -> "ALIVE".equals(agent.status())).count();
    return alive + "/" + agents.size();
  }

  /**
   * Returns the ids of groups given by id or by name. A UUID is taken as an id as it is; any other
   * text must be the name of exactly one group among all domains.
   *
   * @throws BackendClientException if no group or several groups have that name
   */
  static List<String> resolveGroupIds(AdminClient admin, List<String> idsOrNames) {
    List<String> ids = new ArrayList<>();
    List<Group> allGroups = null;
    for (String idOrName : idsOrNames) {
      String trimmed = idOrName.trim();
      if (UUID.matcher(trimmed).matches()) {
        ids.add(trimmed);
        continue;
      }
      if (allGroups == null) {
        allGroups = admin.listGroups(null);
      }
      List<Group> named = allGroups.stream().filter(group -> trimmed.equals(group.name())).toList();
      if (named.isEmpty()) {
        throw new BackendClientException(
            "no group named '" + trimmed + "'; list them with: bai admin group list");
      }
      if (named.size() > 1) {
        List<String> domains = named.stream().map(Group::domain).toList();
        throw new BackendClientException(
            "several groups are named '"
                + trimmed
                + "' (in domains "
                + String.join(", ", domains)
                + "); give the group id, which bai admin group list shows");
      }
      ids.add(named.get(0).id());
    }
    return ids;
  }

  /** The options that create and update share; each is null or empty when not given. */
  static final class SettingOptions {

    @Option(names = "--description", paramLabel = "TEXT", description = "Description.")
    String description;

    @Option(
        names = "--scheduler",
        paramLabel = "NAME",
        description =
            "Order in which pending sessions are placed: fifo (oldest first), lifo (newest"
                + " first) or drf (dominant resource fairness across keypairs).")
    String scheduler;

    @Option(
        names = "--agent-selection",
        paramLabel = "NAME",
        description =
            "Agent for a session: dispersed (the one with the most free room) or concentrated"
                + " (the one with the least room that still fits).")
    String agentSelection;

    @Option(
        names = "--pending-timeout",
        paramLabel = "SECONDS",
        description = "Seconds a session may stay PENDING before it is cancelled, 0 for no limit.")
    Integer pendingTimeout;

    @Option(
        names = "--domain",
        paramLabel = "NAME",
        description = "Domain allowed to use the scaling group. Repeat for more domains.")
    List<String> domains = new ArrayList<>();

    @Option(
        names = "--group",
        paramLabel = "GROUP",
        description =
            "Group allowed to use the scaling group: its id, or a name that only one group has."
                + " Repeat for more groups.")
    List<String> groups = new ArrayList<>();

    @Option(
        names = "--keypair",
        paramLabel = "ACCESS_KEY",
        description = "Keypair allowed to use the scaling group. Repeat for more keypairs.")
    List<String> keypairs = new ArrayList<>();

    /**
     * Returns a spec with these settings, the lists as given, or null where none was given.
     *
     * @throws ParameterException if the pending timeout is negative or a list item is empty
     */
    ScalingGroupSpec toSpec(AdminClient admin, CommandLine commandLine) {
      if (pendingTimeout != null && pendingTimeout < 0) {
        throw new ParameterException(
            commandLine,
            "invalid value '"
                + pendingTimeout
                + "' for option '--pending-timeout': it must be 0 or more");
      }
      requireNoBlank(domains, "--domain", commandLine);
      requireNoBlank(groups, "--group", commandLine);
      requireNoBlank(keypairs, "--keypair", commandLine);
      return new ScalingGroupSpec(
          description,
          null,
          scheduler,
          agentSelection,
          pendingTimeout,
          domains.isEmpty() ? null : trimmed(domains),
          groups.isEmpty() ? null : resolveGroupIds(admin, groups),
          keypairs.isEmpty() ? null : trimmed(keypairs));
    }

    private static void requireNoBlank(
        List<String> values, String option, CommandLine commandLine) {
      for (String value : values) {
        if (value.isBlank()) {
          throw new ParameterException(commandLine, "the value of " + option + " is empty");
        }
      }
    }

    private static List<String> trimmed(List<String> values) {
      return values.stream().map(String::trim).toList();
    }
  }

  /** The options of update that empty an allowed list. */
  static final class ClearOptions {

    @Option(names = "--clear-domains", description = "Allow no domain.")
    boolean domains;

    @Option(names = "--clear-groups", description = "Allow no group.")
    boolean groups;

    @Option(names = "--clear-keypairs", description = "Allow no keypair.")
    boolean keypairs;

    /**
     * Checks that no list is both given and cleared.
     *
     * @throws ParameterException if one is
     */
    void requireNotCombined(SettingOptions settings, CommandLine commandLine) {
      requireNotBoth(domains, settings.domains, "--domain", "--clear-domains", commandLine);
      requireNotBoth(groups, settings.groups, "--group", "--clear-groups", commandLine);
      requireNotBoth(keypairs, settings.keypairs, "--keypair", "--clear-keypairs", commandLine);
    }

    /** Returns the spec with the cleared lists set to empty lists. */
    ScalingGroupSpec applyTo(ScalingGroupSpec spec) {
      ScalingGroupSpec result = spec;
      if (domains) {
        result = result.withDomains(List.of());
      }
      if (groups) {
        result = result.withGroups(List.of());
      }
      if (keypairs) {
        result = result.withKeypairs(List.of());
      }
      return result;
    }

    private static void requireNotBoth(
        boolean clear,
        List<String> given,
        String listOption,
        String clearOption,
        CommandLine commandLine) {
      if (clear && !given.isEmpty()) {
        throw new ParameterException(
            commandLine, "give either " + listOption + " or " + clearOption + ", not both");
      }
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Lists the scaling groups as a table.")
  static final class ListScalingGroups extends AdminSubcommand {

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      List<ScalingGroup> groups = admin().listScalingGroups();
      if (json.enabled) {
        JsonOption.print(out(), groups);
        return 0;
      }
      if (groups.isEmpty()) {
        out().println("No scaling groups.");
        out().flush();
        return 0;
      }
      TextTable table =
          new TextTable(
              "NAME",
              "ACTIVE",
              "SCHEDULER",
              "AGENT SELECTION",
              "PENDING TIMEOUT",
              "ALIVE AGENTS",
              "PENDING",
              "DESCRIPTION");
      for (ScalingGroup group : groups) {
        table.addRow(
            group.name(),
            FieldList.yesNo(group.isActive()),
            group.scheduler(),
            group.agentSelection(),
            pendingTimeout(group.pendingTimeout()),
            aliveAgents(group.agents()),
            group.pendingSessions() == null ? null : group.pendingSessions().toString(),
            group.description());
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
        "Creates a scaling group.",
        "Defaults: active, fifo, dispersed, no pending timeout, and no domain, group or keypair"
            + " allowed to use it."
      })
  static final class CreateScalingGroup extends AdminSubcommand {

    @Parameters(
        index = "0",
        paramLabel = "NAME",
        description = "1 to 64 letters, digits, '.', '_' and '-'.")
    String name;

    @Option(names = "--inactive", description = "Create the scaling group inactive.")
    boolean inactive;

    @Mixin SettingOptions settings;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      ScalingGroupSpec groupSpec =
          settings.toSpec(admin(), spec.commandLine()).withActive(inactive ? false : null);
      ScalingGroup group = admin().createScalingGroup(name, groupSpec);
      if (json.enabled) {
        JsonOption.print(out(), group);
        return 0;
      }
      out().println("Created scaling group " + group.name() + ".");
      printScalingGroup(out(), group);
      return 0;
    }
  }

  @Command(
      name = "info",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Prints the details of one scaling group.")
  static final class ScalingGroupInfo extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Scaling group name.")
    String name;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      ScalingGroup group = admin().getScalingGroup(name);
      if (json.enabled) {
        JsonOption.print(out(), group);
      } else {
        printScalingGroup(out(), group);
      }
      return 0;
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = {
        "Changes the given fields of a scaling group and keeps the others.",
        "--domain, --group and --keypair replace the whole allowed list of their kind."
      })
  static final class UpdateScalingGroup extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Scaling group name.")
    String name;

    @Mixin ActiveOptions active;

    @Mixin SettingOptions settings;

    @Mixin ClearOptions clear;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      Boolean isActive = active.value(spec.commandLine());
      clear.requireNotCombined(settings, spec.commandLine());
      ScalingGroupSpec changes =
          clear.applyTo(settings.toSpec(admin(), spec.commandLine())).withActive(isActive);
      if (changes.isEmpty()) {
        throw usageError(
            "nothing to update: give --description, --active, --inactive, --scheduler,"
                + " --agent-selection, --pending-timeout, --domain, --group, --keypair or a"
                + " --clear option");
      }
      ScalingGroup group = admin().updateScalingGroup(name, changes);
      if (json.enabled) {
        JsonOption.print(out(), group);
        return 0;
      }
      out().println("Updated scaling group " + group.name() + ".");
      printScalingGroup(out(), group);
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = {
        "Deletes a scaling group.",
        "The manager rejects it for 'default', and while agents or live sessions are in it."
      })
  static final class DeleteScalingGroup extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Scaling group name.")
    String name;

    @Override
    public Integer call() {
      admin().deleteScalingGroup(name);
      out().println("Deleted scaling group " + name + ".");
      out().flush();
      return 0;
    }
  }
}
