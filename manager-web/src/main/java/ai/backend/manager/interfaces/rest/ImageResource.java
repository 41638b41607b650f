package ai.backend.manager.interfaces.rest;

import ai.backend.manager.application.ImageRegistry;
import ai.backend.manager.domain.model.ImageNames;
import ai.backend.manager.domain.model.KernelImage;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /images}: the kernel images that live agents can start, with their labels. */
@RequestScoped
@Path("/images")
@Produces(MediaType.APPLICATION_JSON)
public class ImageResource {

  @EJB private ImageRegistry images;

  @GET
  public Map<String, Object> list() {
    List<Map<String, Object>> items =
        images.liveImages().stream()
            .sorted(Comparator.comparing(KernelImage::getName))
            .map(ImageResource::toJson)
            .toList();
    return Map.of("items", items, "totalCount", items.size());
  }

  private static Map<String, Object> toJson(KernelImage image) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", image.getName());
    List<String> names = ImageNames.aliasesOf(image.getName());
    json.put("aliases", names.subList(1, names.size()).stream().distinct().toList());
    json.put("runtimeType", image.getRuntimeType());
    json.put("labels", image.getLabels());
    json.put("minSlots", image.getMinSlots().toStringMap());
    return json;
  }
}
