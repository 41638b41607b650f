package ai.backend.client.cli;

import ai.backend.client.AdminClient;
import ai.backend.client.BackendClientException;
import ai.backend.client.admin.Group;
import ai.backend.client.admin.GroupSpec;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bai admin group}: lists, creates, shows, changes and deletes groups. */
@Command(
    name = "group",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Manages groups (projects) of a domain.",
      "A GROUP argument is a group id, or a group name looked up in --domain."
    },
    subcommands = {
      AdminGroupCommand.ListGroups.class,
      AdminGroupCommand.CreateGroup.class,
      AdminGroupCommand.GroupInfo.class,
      AdminGroupCommand.UpdateGroup.class,
      AdminGroupCommand.DeleteGroup.class
    })
final class AdminGroupCommand extends CommandGroup {

  static final String DEFAULT_DOMAIN = "default";

  private static final Pattern UUID =
      Pattern.compile(
          "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  /**
   * Returns the id of a group given by id or by name. A UUID is taken as an id as it is; any other
   * text is looked up among the group names of the domain.
   *
   * @throws IllegalArgumentException if the id or name is empty
   * @throws BackendClientException if the domain has no group of that name
   */
  static String resolveGroupId(AdminClient admin, String idOrName, String domain) {
    if (idOrName == null || idOrName.isBlank()) {
      throw new IllegalArgumentException("the group id or name is empty");
    }
    String trimmed = idOrName.trim();
    if (UUID.matcher(trimmed).matches()) {
      return trimmed;
    }
    for (Group group : admin.listGroups(domain)) {
      if (trimmed.equals(group.name()) && (domain == null || domain.equals(group.domain()))) {
        return group.id();
      }
    }
    throw new BackendClientException(
        "no group named '"
            + trimmed
            + "' in domain "
            + domain
            + "; list them with: bai admin group list --domain "
            + domain);
  }

  static void printGroup(PrintWriter out, Group group) {
    new FieldList()
        .add("ID", group.id())
        .add("Name", group.name())
        .add("Domain", group.domain())
        .add("Description", group.description())
        .add("Active", FieldList.yesNo(group.isActive()))
        .add("Total resources", FieldList.slotsOrUnlimited(group.totalResourceSlots()))
        .add("Created at", PsCommand.formatTimestamp(group.createdAt()))
        .add("Modified at", PsCommand.formatTimestamp(group.modifiedAt()))
        .print(out);
  }

  /** The {@code -d} option that names the domain in which group names are looked up. */
  static final class DomainOption {
    @Option(
        names = {"-d", "--domain"},
        paramLabel = "DOMAIN",
        defaultValue = DEFAULT_DOMAIN,
        description = "Domain in which a group name is looked up. Default: ${DEFAULT-VALUE}.")
    String domain;
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Lists groups as a table.")
  static final class ListGroups extends AdminSubcommand {

    @Option(
        names = {"-d", "--domain"},
        paramLabel = "DOMAIN",
        description = "List only the groups of this domain. Default: every group you may see.")
    String domain;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      List<Group> groups = admin().listGroups(domain);
      if (json.enabled) {
        JsonOption.print(out(), groups);
        return 0;
      }
      if (groups.isEmpty()) {
        out().println(domain == null ? "No groups." : "No groups in domain " + domain + ".");
        out().flush();
        return 0;
      }
      TextTable table =
          new TextTable("ID", "NAME", "DOMAIN", "ACTIVE", "TOTAL RESOURCES", "DESCRIPTION");
      for (Group group : groups) {
        table.addRow(
            group.id(),
            group.name(),
            group.domain(),
            FieldList.yesNo(group.isActive()),
            FieldList.slotsOrUnlimited(group.totalResourceSlots()),
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
      description = "Creates a group in a domain.")
  static final class CreateGroup extends AdminSubcommand {

    @Parameters(
        index = "0",
        paramLabel = "NAME",
        description =
            "Unique within the domain: 2 to 64 lowercase letters, digits, '.', '_' and '-',"
                + " starting with a letter or digit.")
    String name;

    @Option(
        names = {"-d", "--domain"},
        paramLabel = "DOMAIN",
        defaultValue = DEFAULT_DOMAIN,
        description = "Domain of the group. Default: ${DEFAULT-VALUE}.")
    String domain;

    @Option(names = "--description", paramLabel = "TEXT", description = "Description.")
    String description;

    @Option(names = "--inactive", description = "Create the group inactive.")
    boolean inactive;

    @Option(
        names = {"-r", "--resources"},
        paramLabel = "KEY=VALUE",
        converter = KeyValue.Converter.class,
        description =
            "Resource slot limit for all sessions of the group together, such as cpu=8 or"
                + " mem=16g. Repeat for more slots. Default: no limit.")
    List<KeyValue> resources = new ArrayList<>();

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      Map<String, String> slots = KeyValue.toMap(resources, "-r", false, spec.commandLine());
      GroupSpec groupSpec =
          new GroupSpec(description, inactive ? false : null, slots.isEmpty() ? null : slots);
      Group group = admin().createGroup(name, domain, groupSpec);
      if (json.enabled) {
        JsonOption.print(out(), group);
        return 0;
      }
      out().println("Created group " + group.name() + " in domain " + group.domain() + ".");
      printGroup(out(), group);
      return 0;
    }
  }

  @Command(
      name = "info",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Prints the details of one group.")
  static final class GroupInfo extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "GROUP", description = "Group id or name.")
    String group;

    @Mixin DomainOption domain;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      Group found = admin().getGroup(resolveGroupId(admin(), group, domain.domain));
      if (json.enabled) {
        JsonOption.print(out(), found);
      } else {
        printGroup(out(), found);
      }
      return 0;
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Changes the given fields of a group and keeps the others.")
  static final class UpdateGroup extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "GROUP", description = "Group id or name.")
    String group;

    @Mixin DomainOption domain;

    @Option(names = "--description", paramLabel = "TEXT", description = "New description.")
    String description;

    @Mixin ActiveOptions active;

    @Mixin SlotLimitOptions resources;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      GroupSpec changes =
          new GroupSpec(
              description, active.value(spec.commandLine()), resources.value(spec.commandLine()));
      if (changes.isEmpty()) {
        throw usageError(
            "nothing to update: give --description, --active, --inactive, -r or"
                + " --clear-resources");
      }
      Group updated = admin().updateGroup(resolveGroupId(admin(), group, domain.domain), changes);
      if (json.enabled) {
        JsonOption.print(out(), updated);
        return 0;
      }
      out().println("Updated group " + updated.name() + ".");
      printGroup(out(), updated);
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = {
        "Deletes a group and its memberships.",
        "The manager rejects it while the group has live sessions."
      })
  static final class DeleteGroup extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "GROUP", description = "Group id or name.")
    String group;

    @Mixin DomainOption domain;

    @Override
    public Integer call() {
      String id = resolveGroupId(admin(), group, domain.domain);
      admin().deleteGroup(id);
      out().println("Deleted group " + group + (group.equals(id) ? "" : " (" + id + ")") + ".");
      out().flush();
      return 0;
    }
  }
}
