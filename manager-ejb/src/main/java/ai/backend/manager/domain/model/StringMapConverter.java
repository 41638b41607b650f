package ai.backend.manager.domain.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.Map;
import java.util.TreeMap;

/** Stores a string map as a JSON object. */
@Converter
public class StringMapConverter implements AttributeConverter<Map<String, String>, String> {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final TypeReference<TreeMap<String, String>> MAP_TYPE = new TypeReference<>() {};

  @Override
  public String convertToDatabaseColumn(Map<String, String> map) {
    try {
      return MAPPER.writeValueAsString(map == null ? Map.of() : new TreeMap<>(map));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot store map as JSON", e);
    }
  }

  @Override
  public Map<String, String> convertToEntityAttribute(String json) {
    if (json == null || json.isBlank()) {
      return new TreeMap<>();
    }
    try {
      return MAPPER.readValue(json, MAP_TYPE);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("invalid JSON map in the database: " + e.getMessage(), e);
    }
  }
}
