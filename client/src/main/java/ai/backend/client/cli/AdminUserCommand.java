package ai.backend.client.cli;

import ai.backend.client.admin.User;
import ai.backend.client.admin.UserSpec;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bai admin user}: lists, creates, shows, changes and deletes users. */
@Command(
    name = "user",
    mixinStandardHelpOptions = true,
    versionProvider = ClientVersion.class,
    description = {
      "Manages users.",
      "A USER argument is the user's email or UUID. Passwords are read from the terminal"
          + " without echo, or with --password-stdin from the first line of standard input."
    },
    subcommands = {
      AdminUserCommand.ListUsers.class,
      AdminUserCommand.CreateUser.class,
      AdminUserCommand.UserInfo.class,
      AdminUserCommand.UpdateUser.class,
      AdminUserCommand.DeleteUser.class
    })
final class AdminUserCommand extends CommandGroup {

  static void printUser(PrintWriter out, User user) {
    new FieldList()
        .add("Email", user.email())
        .add("UUID", user.uuid())
        .add("Username", user.username())
        .add("Full name", user.fullName())
        .add("Domain", user.domain())
        .add("Role", user.role())
        .add("Status", user.status())
        .add("Groups", groupNames(user))
        .add("Created at", PsCommand.formatTimestamp(user.createdAt()))
        .add("Modified at", PsCommand.formatTimestamp(user.modifiedAt()))
        .print(out);
  }

  private static String groupNames(User user) {
    return user.groups().stream()
        .map(group -> group.name() == null ? group.id() : group.name())
        .collect(Collectors.joining(", "));
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Lists users as a table.")
  static final class ListUsers extends AdminSubcommand {

    @Option(
        names = {"-d", "--domain"},
        paramLabel = "DOMAIN",
        description = "List only the users of this domain.")
    String domain;

    @Option(
        names = {"-g", "--group"},
        paramLabel = "GROUP",
        description =
            "List only the members of this group: an id, or a name in --domain (default:"
                + " default).")
    String group;

    @Option(
        names = {"-s", "--status"},
        paramLabel = "STATUS",
        description = "List only users in this status: active or inactive.")
    String status;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      String groupId =
          group == null
              ? null
              : AdminGroupCommand.resolveGroupId(
                  admin(), group, domain == null ? AdminGroupCommand.DEFAULT_DOMAIN : domain);
      List<User> users = admin().listUsers(domain, groupId, status);
      if (json.enabled) {
        JsonOption.print(out(), users);
        return 0;
      }
      if (users.isEmpty()) {
        out().println("No users.");
        out().flush();
        return 0;
      }
      TextTable table = new TextTable("EMAIL", "USERNAME", "ROLE", "STATUS", "DOMAIN", "GROUPS");
      for (User user : users) {
        table.addRow(
            user.email(),
            user.username(),
            user.role(),
            user.status(),
            user.domain(),
            groupNames(user));
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
        "Creates a user.",
        "Without --password or --password-stdin, the password is asked for twice on the terminal."
      })
  static final class CreateUser extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "EMAIL", description = "Email address, unique.")
    String email;

    @Option(
        names = {"-d", "--domain"},
        paramLabel = "DOMAIN",
        defaultValue = AdminGroupCommand.DEFAULT_DOMAIN,
        description = "Domain of the user. Default: ${DEFAULT-VALUE}.")
    String domain;

    @Option(
        names = {"-u", "--username"},
        paramLabel = "NAME",
        description = "Unique login name. Default: the email.")
    String username;

    @Option(names = "--full-name", paramLabel = "NAME", description = "Full name.")
    String fullName;

    @Option(
        names = "--role",
        paramLabel = "ROLE",
        description = "user (the default), admin (of the domain) or superadmin.")
    String role;

    @Option(
        names = "--status",
        paramLabel = "STATUS",
        description = "active (the default) or inactive.")
    String status;

    @Option(
        names = {"-g", "--group"},
        paramLabel = "GROUP",
        description = "Group of the user's domain to join, by id or name. Repeat for more groups.")
    List<String> groups = new ArrayList<>();

    @Mixin NewPasswordOptions password;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      String newPassword = password.read(context(), spec.commandLine(), true);
      if (newPassword == null) {
        newPassword =
            PasswordInput.prompt(context(), spec.commandLine(), "Password for " + email, true);
      }
      UserSpec userSpec =
          new UserSpec(
              newPassword, username, fullName, role, status, groups.isEmpty() ? null : groups);
      User user = admin().createUser(email, domain, userSpec);
      if (json.enabled) {
        JsonOption.print(out(), user);
        return 0;
      }
      out().println("Created user " + user.email() + ".");
      printUser(out(), user);
      return 0;
    }
  }

  @Command(
      name = "info",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = "Prints the details of one user.")
  static final class UserInfo extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "USER", description = "Email or UUID.")
    String user;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      User found = admin().getUser(user);
      if (json.enabled) {
        JsonOption.print(out(), found);
      } else {
        printUser(out(), found);
      }
      return 0;
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = {
        "Changes the given fields of a user and keeps the others.",
        "--status inactive stops every keypair of the user at once."
      })
  static final class UpdateUser extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "USER", description = "Email or UUID.")
    String user;

    @Option(
        names = {"-u", "--username"},
        paramLabel = "NAME",
        description = "New unique login name.")
    String username;

    @Option(names = "--full-name", paramLabel = "NAME", description = "New full name.")
    String fullName;

    @Option(
        names = "--role",
        paramLabel = "ROLE",
        description = "New role: user, admin (of the domain) or superadmin.")
    String role;

    @Option(names = "--status", paramLabel = "STATUS", description = "active or inactive.")
    String status;

    @Option(
        names = {"-g", "--group"},
        paramLabel = "GROUP",
        description =
            "Group of the user's domain, by id or name. Repeat for more groups. Replaces all"
                + " current memberships.")
    List<String> groups = new ArrayList<>();

    @Option(names = "--clear-groups", description = "Remove the user from every group.")
    boolean clearGroups;

    @Option(
        names = "--password-prompt",
        description = "Ask for a new password twice on the terminal.")
    boolean passwordPrompt;

    @Mixin NewPasswordOptions password;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
      if (clearGroups && !groups.isEmpty()) {
        throw usageError("give either --group or --clear-groups, not both");
      }
      String newPassword = password.read(context(), spec.commandLine(), !passwordPrompt);
      if (passwordPrompt) {
        newPassword =
            PasswordInput.prompt(context(), spec.commandLine(), "New password for " + user, true);
      }
      List<String> newGroups = clearGroups ? List.of() : groups.isEmpty() ? null : groups;
      UserSpec changes = new UserSpec(newPassword, username, fullName, role, status, newGroups);
      if (changes.isEmpty()) {
        throw usageError(
            "nothing to update: give --username, --full-name, --role, --status, --group,"
                + " --clear-groups or a password option");
      }
      User updated = admin().updateUser(user, changes);
      if (json.enabled) {
        JsonOption.print(out(), updated);
        return 0;
      }
      out().println("Updated user " + updated.email() + ".");
      printUser(out(), updated);
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      versionProvider = ClientVersion.class,
      description = {
        "Deletes a user with their keypairs and finished sessions.",
        "The manager rejects it while the user has live sessions."
      })
  static final class DeleteUser extends AdminSubcommand {

    @Parameters(index = "0", paramLabel = "USER", description = "Email or UUID.")
    String user;

    @Override
    public Integer call() {
      admin().deleteUser(user);
      out().println("Deleted user " + user + ".");
      out().flush();
      return 0;
    }
  }
}
