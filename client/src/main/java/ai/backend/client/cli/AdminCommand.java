package ai.backend.client.cli;

import picocli.CommandLine.Command;

/** {@code bai admin}: the commands of the manager's admin API. */
@Command(
    name = AdminCommand.NAME,
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Manages domains, groups, users, keypairs, resource policies, presets and scaling groups,"
          + " and shows the agents and the scheduler's totals.",
      "Needs the keypair of an admin, who manages the groups, users and keypairs of their own"
          + " domain, or of a superadmin. The manager rejects other keypairs with 403."
    },
    subcommands = {
      AdminDomainCommand.class,
      AdminGroupCommand.class,
      AdminUserCommand.class,
      AdminKeyPairCommand.class,
      AdminPolicyCommand.class,
      AdminPresetCommand.class,
      AdminAuditCommand.class,
      AdminScalingGroupCommand.class,
      AdminAgentsCommand.class,
      AdminSchedulerCommand.class
    })
final class AdminCommand extends CommandGroup {

  static final String NAME = "admin";
}
