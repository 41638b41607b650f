package ai.backend.agent.simulation;

import ai.backend.agent.docker.DockerEngine;
import ai.backend.agent.docker.DockerEngineException;
import ai.backend.agent.docker.ImageSummary;
import ai.backend.agent.docker.KernelLabels;
import ai.backend.common.protocol.AgentEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The kernel images that simulated agents report in their heartbeats. */
final class SimulatedImages {

  private static final Logger log = LoggerFactory.getLogger(SimulatedImages.class);

  /** Image id reported for the built-in images, which exist on no Docker engine. */
  static final String BUILT_IN_ID = "simulated";

  /**
   * Images reported when no Docker engine is reachable. The list has the Python image with the
   * labels of {@code kernel-images/python/Dockerfile}, because the manager reads {@code
   * ai.backend.kernelspec} to list an image, and {@code ai.backend.runtime-type} and the minimum
   * slots {@code ai.backend.resource.min.*} from it.
   */
  static final List<AgentEvent.ImageInfo> BUILT_IN =
      List.of(
          new AgentEvent.ImageInfo(
              "backendai/python:3.11-debian12",
              BUILT_IN_ID,
              0,
              Map.of(
                  KernelLabels.KERNELSPEC,
                  "1",
                  "ai.backend.features",
                  "query batch uid-match",
                  "ai.backend.base-distro",
                  "debian12",
                  KernelLabels.RUNTIME_TYPE,
                  "python",
                  KernelLabels.RUNTIME_PATH,
                  "/usr/bin/python3",
                  "ai.backend.resource.min.cpu",
                  "1",
                  "ai.backend.resource.min.mem",
                  "256m",
                  "ai.backend.service-ports",
                  "")));

  private SimulatedImages() {}

  /**
   * Lists the kernel images of the Docker engine at {@code dockerHost}, as a real agent reports
   * them, or returns {@link #BUILT_IN} when the engine is unreachable or has no kernel image. It
   * only reads the image list.
   */
  static List<AgentEvent.ImageInfo> load(String dockerHost) {
    List<ImageSummary> found;
    try (DockerEngine docker = new DockerEngine(dockerHost)) {
      found = docker.listImagesWithLabel(KernelLabels.KERNELSPEC);
    } catch (DockerEngineException e) {
      log.info(
          "Simulated agents report the built-in image list {} because the Docker engine cannot"
              + " list images: {}",
          names(BUILT_IN),
          e.getMessage());
      return BUILT_IN;
    }
    if (found.isEmpty()) {
      log.info(
          "Simulated agents report the built-in image list {} because the Docker engine at {} has"
              + " no image labelled {}",
          names(BUILT_IN),
          dockerHost,
          KernelLabels.KERNELSPEC);
      return BUILT_IN;
    }
    List<AgentEvent.ImageInfo> images = new ArrayList<>();
    for (ImageSummary image : found) {
      images.add(
          new AgentEvent.ImageInfo(image.name(), image.id(), image.sizeBytes(), image.labels()));
    }
    log.info(
        "Simulated agents report the {} kernel images of the Docker engine at {}: {}",
        images.size(),
        dockerHost,
        names(images));
    return List.copyOf(images);
  }

  private static List<String> names(List<AgentEvent.ImageInfo> images) {
    return images.stream().map(AgentEvent.ImageInfo::name).toList();
  }
}
