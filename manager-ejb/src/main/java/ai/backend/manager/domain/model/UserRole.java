package ai.backend.manager.domain.model;

import java.util.Locale;
import java.util.Optional;

/** The rights of a user: everything, the affairs of their domain, or their own sessions only. */
public enum UserRole {
  SUPERADMIN,
  ADMIN,
  USER;

  /** Returns the name used in the API and the database. */
  public String apiName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses an API name, ignoring case; empty if it names no role. */
  public static Optional<UserRole> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    for (UserRole role : values()) {
      if (role.apiName().equalsIgnoreCase(text.trim())) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }

  /** Returns true for superadmins and domain admins. */
  public boolean isAdmin() {
    return this != USER;
  }
}
