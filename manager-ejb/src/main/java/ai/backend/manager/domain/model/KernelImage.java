package ai.backend.manager.domain.model;

import ai.backend.common.resource.ResourceSlots;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.Map;

/** A kernel image that at least one agent reported, with its Backend.AI labels. */
@Entity
@Table(name = "kernel_images")
public class KernelImage {

  @Id
  @Column(name = "name")
  private String name;

  @Column(name = "runtime_type")
  private String runtimeType;

  @Convert(converter = StringMapConverter.class)
  @Column(name = "labels", nullable = false)
  private Map<String, String> labels;

  @Convert(converter = SlotsConverter.class)
  @Column(name = "min_slots", nullable = false)
  private ResourceSlots minSlots;

  @Column(name = "updated_at", nullable = false)
  private OffsetDateTime updatedAt;

  protected KernelImage() {}

  public KernelImage(String name) {
    this.name = name;
  }

  /** Replaces the labels and the values derived from them. */
  public void updateLabels(Map<String, String> labels, OffsetDateTime now) {
    this.labels = labels;
    this.runtimeType = labels.get("ai.backend.runtime-type");
    this.minSlots = minimumSlotsFrom(labels);
    this.updatedAt = now;
  }

  private static ResourceSlots minimumSlotsFrom(Map<String, String> labels) {
    String prefix = "ai.backend.resource.min.";
    Map<String, String> minimums = new java.util.TreeMap<>();
    labels.forEach(
        (key, value) -> {
          if (key.startsWith(prefix) && value != null && !value.isBlank()) {
            minimums.put(key.substring(prefix.length()), value);
          }
        });
    try {
      return ResourceSlots.parse(minimums);
    } catch (IllegalArgumentException e) {
      // An image with a malformed minimum label stays usable, with no minimums.
      return ResourceSlots.empty();
    }
  }

  public String getName() {
    return name;
  }

  public String getRuntimeType() {
    return runtimeType;
  }

  public Map<String, String> getLabels() {
    return labels;
  }

  public ResourceSlots getMinSlots() {
    return minSlots;
  }

  public OffsetDateTime getUpdatedAt() {
    return updatedAt;
  }
}
