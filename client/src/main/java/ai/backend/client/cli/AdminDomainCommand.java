package ai.backend.client.cli;

import ai.backend.client.admin.Domain;
import ai.backend.client.admin.DomainSpec;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bai admin domain}: lists, creates, shows, changes and deletes domains. */
@Command(
    name = "domain",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Manages domains, which hold groups and users.",
      "Only a superadmin may create, change or delete domains; an admin reads their own."
    },
    subcommands = {
      AdminDomainCommand.ListDomains.class,
      AdminDomainCommand.CreateDomain.class,
      AdminDomainCommand.DomainInfo.class,
      AdminDomainCommand.UpdateDomain.class,
      AdminDomainCommand.DeleteDomain.class
    })
final class AdminDomainCommand extends CommandGroup {

  static void printDomain(PrintWriter out, Domain domain) {
    new FieldList()
        .add("Name", domain.name())
        .add("Description", domain.description())
        .add("Active", FieldList.yesNo(domain.isActive()))
        .add("Total resources", FieldList.slotsOrUnlimited(domain.totalResourceSlots()))
        .add("Created at", PsCommand.formatTimestamp(domain.createdAt()))
        .add("Modified at", PsCommand.formatTimestamp(domain.modifiedAt()))
        .print(out);
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Lists the domains as a table.")
  static final class ListDomains extends AdminSubcommand {

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      List<Domain> domains = admin().listDomains();
      if (json.enabled) {
        JsonOption.print(out(), domains);
        return 0;
      }
      if (domains.isEmpty()) {
        out().println("No domains.");
        out().flush();
        return 0;
      }
      TextTable table = new TextTable("NAME", "ACTIVE", "TOTAL RESOURCES", "DESCRIPTION");
      for (Domain domain : domains) {
        table.addRow(
            domain.name(),
            FieldList.yesNo(domain.isActive()),
            FieldList.slotsOrUnlimited(domain.totalResourceSlots()),
            domain.description());
      }
      table.print(out());
      return 0;
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Creates a domain.")
  static final class CreateDomain extends AdminSubcommand {

    @Parameters(
        index = "0",
        paramLabel = "NAME",
        description =
            "2 to 64 lowercase letters, digits, '.', '_' and '-', starting with a letter or digit.")
    String name;

    @Option(names = "--description", paramLabel = "TEXT", description = "Description.")
    String description;

    @Option(names = "--inactive", description = "Create the domain inactive: no user can log in.")
    boolean inactive;

    @Option(
        names = {"-r", "--resources"},
        paramLabel = "KEY=VALUE",
        converter = KeyValue.Converter.class,
        description =
            "Resource slot limit for all sessions of the domain together, such as cpu=8 or"
                + " mem=16g. Repeat for more slots. Default: no limit.")
    List<KeyValue> resources = new ArrayList<>();

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      Map<String, String> slots = KeyValue.toMap(resources, "-r", false, spec.commandLine());
      DomainSpec domainSpec =
          new DomainSpec(description, inactive ? false : null, slots.isEmpty() ? null : slots);
      Domain domain = admin().createDomain(name, domainSpec);
      if (json.enabled) {
        JsonOption.print(out(), domain);
        return 0;
      }
      out().println("Created domain " + domain.name() + ".");
      printDomain(out(), domain);
      return 0;
    }
  }

  @Command(
      name = "info",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Prints the details of one domain.")
  static final class DomainInfo extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Domain name.")
    String name;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      Domain domain = admin().getDomain(name);
      if (json.enabled) {
        JsonOption.print(out(), domain);
      } else {
        printDomain(out(), domain);
      }
      return 0;
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Changes the given fields of a domain and keeps the others.")
  static final class UpdateDomain extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Domain name.")
    String name;

    @Option(names = "--description", paramLabel = "TEXT", description = "New description.")
    String description;

    @Mixin ActiveOptions active;

    @Mixin SlotLimitOptions resources;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      DomainSpec changes =
          new DomainSpec(
              description, active.value(spec.commandLine()), resources.value(spec.commandLine()));
      if (changes.isEmpty()) {
        throw usageError(
            "nothing to update: give --description, --active, --inactive, -r or"
                + " --clear-resources");
      }
      Domain domain = admin().updateDomain(name, changes);
      if (json.enabled) {
        JsonOption.print(out(), domain);
        return 0;
      }
      out().println("Updated domain " + domain.name() + ".");
      printDomain(out(), domain);
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description =
          "Deletes a domain. The manager rejects it while the domain has users or groups.")
  static final class DeleteDomain extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Domain name.")
    String name;

    @Override
    public Integer call() {
      admin().deleteDomain(name);
      out().println("Deleted domain " + name + ".");
      out().flush();
      return 0;
    }
  }
}
