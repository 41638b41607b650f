package ai.backend.manager.domain.model;

import ai.backend.common.resource.ResourceSlots;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.Map;

/** Stores resource slots as a JSON object of decimal strings. */
@Converter
public class SlotsConverter implements AttributeConverter<ResourceSlots, String> {

  private final StringMapConverter maps = new StringMapConverter();

  @Override
  public String convertToDatabaseColumn(ResourceSlots slots) {
    return maps.convertToDatabaseColumn(slots == null ? Map.of() : slots.toStringMap());
  }

  @Override
  public ResourceSlots convertToEntityAttribute(String json) {
    return ResourceSlots.parse(maps.convertToEntityAttribute(json));
  }
}
