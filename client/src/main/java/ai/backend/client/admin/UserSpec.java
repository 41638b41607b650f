package ai.backend.client.admin;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The fields of a user that {@code POST /admin/users} sets and {@code PATCH
 * /admin/users/{emailOrUuid}} changes. Null fields are left out of the request: the manager applies
 * its defaults on create and keeps the current values on update. {@link #toString} leaves the
 * password out.
 *
 * @param password the new password, 8 to 256 characters; required on create
 * @param username the unique login name; the email when not given on create
 * @param role {@code user} (the default), {@code admin} or {@code superadmin}
 * @param status {@code active} (the default) or {@code inactive}
 * @param groups ids or names of groups of the user's domain; replaces the memberships
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UserSpec(
    String password,
    String username,
    String fullName,
    String role,
    String status,
    List<String> groups) {

  public UserSpec {
    groups = groups == null ? null : Collections.unmodifiableList(new ArrayList<>(groups));
  }

  /** Returns a spec with no fields set. */
  public static UserSpec empty() {
    return new UserSpec(null, null, null, null, null, null);
  }

  /** Returns true when no field is set. */
  @JsonIgnore
  public boolean isEmpty() {
    return password == null
        && username == null
        && fullName == null
        && role == null
        && status == null
        && groups == null;
  }

  public UserSpec withPassword(String newPassword) {
    return new UserSpec(newPassword, username, fullName, role, status, groups);
  }

  public UserSpec withUsername(String newUsername) {
    return new UserSpec(password, newUsername, fullName, role, status, groups);
  }

  public UserSpec withFullName(String newFullName) {
    return new UserSpec(password, username, newFullName, role, status, groups);
  }

  public UserSpec withRole(String newRole) {
    return new UserSpec(password, username, fullName, newRole, status, groups);
  }

  public UserSpec withStatus(String newStatus) {
    return new UserSpec(password, username, fullName, role, newStatus, groups);
  }

  public UserSpec withGroups(List<String> newGroups) {
    return new UserSpec(password, username, fullName, role, status, newGroups);
  }

  @Override
  public String toString() {
    return "UserSpec[password="
        + (password == null ? "null" : "(hidden)")
        + ", username="
        + username
        + ", fullName="
        + fullName
        + ", role="
        + role
        + ", status="
        + status
        + ", groups="
        + groups
        + "]";
  }
}
