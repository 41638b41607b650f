package ai.backend.agent.docker;

/** A Docker engine call that failed; subclasses name the common causes. */
public class DockerEngineException extends RuntimeException {

  public DockerEngineException(String message, Throwable cause) {
    super(message, cause);
  }

  public DockerEngineException(String message) {
    super(message);
  }

  /** The engine cannot be reached at its address, or it did not respond in time. */
  public static final class EngineUnreachableException extends DockerEngineException {
    public EngineUnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The image is not present on this host; there is no registry to pull it from. */
  public static final class ImageNotFoundException extends DockerEngineException {
    private final String image;

    public ImageNotFoundException(String image, Throwable cause) {
      super("image " + image + " not found", cause);
      this.image = image;
    }

    public String image() {
      return image;
    }
  }

  /** The container does not exist, for example because it was removed meanwhile. */
  public static final class ContainerNotFoundException extends DockerEngineException {
    public ContainerNotFoundException(String container, Throwable cause) {
      super("container " + container + " not found", cause);
    }
  }

  /** The engine rejected creating or starting a container, or the container exited early. */
  public static final class ContainerFailedException extends DockerEngineException {
    public ContainerFailedException(String message, Throwable cause) {
      super(message, cause);
    }

    public ContainerFailedException(String message) {
      super(message);
    }
  }
}
