package ai.backend.manager.domain.model;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;

/** The fact that an agent has a kernel image and can start it. */
@Entity
@Table(name = "agent_images")
@IdClass(AgentImage.Key.class)
public class AgentImage {

  @Id
  @Column(name = "agent_id")
  private String agentId;

  @Id
  @Column(name = "image_name")
  private String imageName;

  protected AgentImage() {}

  public AgentImage(String agentId, String imageName) {
    this.agentId = agentId;
    this.imageName = imageName;
  }

  public String getAgentId() {
    return agentId;
  }

  public String getImageName() {
    return imageName;
  }

  /** Composite primary key. */
  public static class Key implements Serializable {
    private String agentId;
    private String imageName;

    public Key() {}

    public Key(String agentId, String imageName) {
      this.agentId = agentId;
      this.imageName = imageName;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Key key
          && Objects.equals(agentId, key.agentId)
          && Objects.equals(imageName, key.imageName);
    }

    @Override
    public int hashCode() {
      return Objects.hash(agentId, imageName);
    }
  }
}
