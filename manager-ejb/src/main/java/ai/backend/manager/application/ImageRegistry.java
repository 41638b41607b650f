package ai.backend.manager.application;

import ai.backend.manager.domain.model.AgentStatus;
import ai.backend.manager.domain.model.ImageNames;
import ai.backend.manager.domain.model.KernelImage;
import jakarta.ejb.Stateless;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Resolves the image names users type to the images agents report. Besides the full name ({@code
 * backendai/python:3.11-debian12}) an image is also found by its name without the {@code
 * backendai/} namespace, to its tag without the distribution suffix ({@code python:3.11}) and to
 * its bare repository name ({@code python}); when several images match, the highest tag wins.
 */
@Stateless
public class ImageRegistry {

  @PersistenceContext(unitName = "backendai")
  private EntityManager em;

  /** Finds the image that a user's name refers to among images of ALIVE agents. */
  public Optional<KernelImage> resolve(String requested) {
    if (requested == null || requested.isBlank()) {
      return Optional.empty();
    }
    String expected = requested.trim();
    return liveImages().stream()
        .filter(image -> ImageNames.aliasesOf(image.getName()).contains(expected))
        .max(Comparator.comparing(KernelImage::getName));
  }

  /** Lists the images that at least one ALIVE agent reports. */
  public List<KernelImage> liveImages() {
    return em.createQuery(
            "select distinct i from KernelImage i, Agent a"
                + " where a.status = :alive and exists (select 1 from AgentImage ai"
                + " where ai.agentId = a.id and ai.imageName = i.name)",
            KernelImage.class)
        .setParameter("alive", AgentStatus.ALIVE)
        .getResultList();
  }
}
