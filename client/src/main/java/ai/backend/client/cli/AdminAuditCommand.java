package ai.backend.client.cli;

import ai.backend.client.admin.AuditLogEntry;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bai admin audit}: lists the audit log. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Lists the audit log, newest first.",
      "Each entry is a create, update or delete of an account object, or a login. An admin sees"
          + " the entries about their domain."
    })
final class AdminAuditCommand extends AdminSubcommand {

  @Option(
      names = {"-n", "--limit"},
      paramLabel = "N",
      description = "Maximum number of entries. Default: the manager's, 100.")
  Integer limit;

  @Option(
      names = "--before",
      paramLabel = "ID",
      description = "List only entries older than the entry with this id, to page back.")
  String before;

  @Mixin JsonOption json;

  @Override
  public Integer call() {
    if (limit != null && limit <= 0) {
      throw usageError("invalid value '" + limit + "' for option '--limit': it must be positive");
    }
    List<AuditLogEntry> entries = admin().auditLog(limit, before);
    if (json.enabled) {
      JsonOption.print(out(), entries);
      return 0;
    }
    if (entries.isEmpty()) {
      out().println("No audit log entries.");
      out().flush();
      return 0;
    }
    TextTable table = new TextTable("ID", "TIME", "ACTOR", "ACTION", "TARGET", "DOMAIN", "DETAIL");
    for (AuditLogEntry entry : entries) {
      String actor = entry.actorEmail() != null ? entry.actorEmail() : entry.actorAccessKey();
      String target =
          entry.targetType() == null
              ? entry.targetId()
              : entry.targetType() + " " + entry.targetId();
      table.addRow(
          entry.id(),
          PsCommand.formatTimestamp(entry.at()),
          actor,
          entry.action(),
          target,
          entry.domain(),
          entry.detailText());
    }
    table.print(out());
    return 0;
  }
}
