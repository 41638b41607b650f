package ai.backend.manager.domain.model;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores roles by their lower-case API names. */
@Converter
public class UserRoleConverter implements AttributeConverter<UserRole, String> {

  @Override
  public String convertToDatabaseColumn(UserRole role) {
    return role == null ? null : role.apiName();
  }

  @Override
  public UserRole convertToEntityAttribute(String text) {
    return text == null
        ? null
        : UserRole.parse(text)
            .orElseThrow(() -> new IllegalStateException("unknown role in database: " + text));
  }
}
