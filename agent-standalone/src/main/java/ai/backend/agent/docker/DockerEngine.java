package ai.backend.agent.docker;

import ai.backend.agent.docker.DockerEngineException.ContainerFailedException;
import ai.backend.agent.docker.DockerEngineException.ContainerNotFoundException;
import ai.backend.agent.docker.DockerEngineException.EngineUnreachableException;
import ai.backend.agent.docker.DockerEngineException.ImageNotFoundException;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Image;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All Docker engine calls of the agent. Engine errors come out as {@link DockerEngineException}
 * subclasses, so callers never see docker-java's exceptions.
 */
public final class DockerEngine implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DockerEngine.class);

  /** Bridge driver option that turns off traffic between containers on the network. */
  static final String ICC_OPTION = "com.docker.network.bridge.enable_icc";

  /** Bridge driver option that names the bridge interface on the host. */
  static final String BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";

  private static final int MAX_LOG_CHARS = 2000;

  private final String dockerHost;
  private final DockerClient client;

  public DockerEngine(String dockerHost) {
    this.dockerHost = dockerHost;
    DefaultDockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost(dockerHost)
            .withDockerTlsVerify(false)
            .build();
    ZerodepDockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(URI.create(dockerHost))
            .maxConnections(32)
            .connectionTimeout(Duration.ofSeconds(10))
            .responseTimeout(Duration.ofSeconds(60))
            .build();
    this.client = DockerClientImpl.getInstance(config, http);
  }

  /**
   * Checks that the engine responds and returns its version.
   *
   * @throws EngineUnreachableException if it does not
   */
  public String version() {
    return call("read the engine version", () -> client.versionCmd().exec().getVersion());
  }

  /**
   * Creates the kernel network as an internal bridge without traffic between containers, or checks
   * that the existing network of that name is internal.
   *
   * @return the name of the network's bridge interface on the host
   * @throws DockerEngineException if an existing network of that name is not internal
   */
  public String ensureKernelNetwork(String name, Map<String, String> labels) {
    return ensureBridge(name, true, labels);
  }

  /**
   * Creates the network of the sessions that asked for one: a bridge with outbound NAT and without
   * traffic between containers. An existing network of that name is used if it is not internal.
   *
   * @return the name of the network's bridge interface on the host
   * @throws DockerEngineException if an existing network of that name is internal or no bridge
   */
  public String ensureOutboundNetwork(String name, Map<String, String> labels) {
    return ensureBridge(name, false, labels);
  }

  private String ensureBridge(String name, boolean internal, Map<String, String> labels) {
    String existing = existingBridge(name, internal);
    if (existing != null) {
      return existing;
    }
    String id;
    try {
      id =
          call(
              "create network " + name,
              () ->
                  client
                      .createNetworkCmd()
                      .withName(name)
                      .withDriver("bridge")
                      .withInternal(internal)
                      .withCheckDuplicate(true)
                      .withOptions(Map.of(ICC_OPTION, "false"))
                      .withLabels(labels)
                      .exec()
                      .getId());
    } catch (DockerEngineException e) {
      // Another agent on this host may have created it at the same moment.
      existing = existingBridge(name, internal);
      if (existing != null) {
        return existing;
      }
      throw e;
    }
    log.info(
        "Created kernel network {} (id {}) as {} bridge",
        name,
        id,
        internal ? "an internal" : "an outbound");
    return bridgeInterface(id, Map.of());
  }

  /** Checks the network of that name and returns its bridge interface, or null if it is absent. */
  private String existingBridge(String name, boolean internal) {
    List<Network> networks =
        call("list networks", () -> client.listNetworksCmd().withNameFilter(name).exec());
    for (Network network : networks) {
      if (!name.equals(network.getName())) {
        continue;
      }
      if (!"bridge".equals(network.getDriver())) {
        throw new DockerEngineException(
            "network "
                + name
                + " uses the driver "
                + network.getDriver()
                + ", not bridge; remove it (docker network rm "
                + name
                + ") or choose another name");
      }
      if (internal && !Boolean.TRUE.equals(network.getInternal())) {
        throw new DockerEngineException(
            "network "
                + name
                + " exists but is not internal, so kernels could reach other hosts; remove it"
                + " (docker network rm "
                + name
                + ") or choose another --kernel-network");
      }
      if (!internal && Boolean.TRUE.equals(network.getInternal())) {
        throw new DockerEngineException(
            "network "
                + name
                + " exists but is internal, so the sessions that ask for a network would have"
                + " none; remove it (docker network rm "
                + name
                + ") or choose another --outbound-network");
      }
      Map<String, String> options = network.getOptions() == null ? Map.of() : network.getOptions();
      if (!"false".equals(options.get(ICC_OPTION))) {
        log.warn(
            "Network {} allows traffic between kernel containers because {} is not false;"
                + " recreate it to isolate kernels from each other",
            name,
            ICC_OPTION);
      }
      log.info("Kernel network {} exists (id {})", name, network.getId());
      return bridgeInterface(network.getId(), options);
    }
    return null;
  }

  /**
   * Returns the bridge name: the option's value, else br- and the network id's first 12 characters.
   */
  static String bridgeInterface(String networkId, Map<String, String> options) {
    String named = options.get(BRIDGE_NAME_OPTION);
    if (named != null && !named.isBlank()) {
      return named;
    }
    return "br-" + networkId.substring(0, Math.min(12, networkId.length()));
  }

  /**
   * Returns the labels of a local image.
   *
   * @throws ImageNotFoundException if the image is not on this host
   */
  public Map<String, String> imageLabels(String image) {
    try {
      var response = call("inspect image " + image, () -> client.inspectImageCmd(image).exec());
      var config = response.getConfig();
      Map<String, String> labels = config == null ? null : config.getLabels();
      return labels == null ? Map.of() : labels;
    } catch (NotFoundWrapper e) {
      throw new ImageNotFoundException(image, e.getCause());
    }
  }

  /**
   * Creates a container and returns its id.
   *
   * @throws ImageNotFoundException if the image is not on this host
   * @throws ContainerFailedException if the engine rejects the container
   */
  public String createContainer(ContainerSpec spec) {
    HostConfig hostConfig =
        HostConfig.newHostConfig()
            .withMemory(spec.memBytes())
            .withMemorySwap(spec.memBytes())
            .withNanoCPUs(spec.nanoCpus())
            .withPidsLimit(spec.pidsLimit())
            .withBinds(binds(spec))
            .withTmpFs(spec.tmpfs())
            .withShmSize(spec.shmBytes())
            .withReadonlyRootfs(true)
            .withNetworkMode(spec.network())
            .withCapDrop(Capability.ALL)
            .withSecurityOpts(List.of("no-new-privileges"))
            // The runner's JVM would be PID 1 and leave orphaned user processes as zombies, so an
            // init reaps them: the bundle's bai-init, which is not dumpable, or Docker's.
            .withInit(spec.dockerInit());
    try {
      CreateContainerResponse response =
          call(
              "create container " + spec.name(),
              () ->
                  client
                      .createContainerCmd(spec.image())
                      .withName(spec.name())
                      .withUser(spec.user())
                      .withEnv(spec.env())
                      .withLabels(spec.labels())
                      .withCmd(spec.cmd())
                      .withHostConfig(hostConfig)
                      .exec());
      return response.getId();
    } catch (NotFoundWrapper e) {
      throw new ImageNotFoundException(spec.image(), e.getCause());
    } catch (EngineUnreachableException e) {
      throw e;
    } catch (DockerEngineException e) {
      throw new ContainerFailedException(e.getMessage(), e.getCause());
    }
  }

  private static List<Bind> binds(ContainerSpec spec) {
    List<Bind> binds = new ArrayList<>();
    binds.add(
        new Bind(spec.bundlePath().toString(), new Volume(spec.bundleMountPoint()), AccessMode.ro));
    if (spec.scratchPath() != null) {
      binds.add(
          new Bind(
              spec.scratchPath().toString(),
              new Volume(ContainerSpec.SCRATCH_MOUNT_POINT),
              AccessMode.rw));
    }
    return binds;
  }

  /**
   * Starts a created container.
   *
   * @throws ContainerFailedException if the engine cannot start it
   */
  public void startContainer(String containerId) {
    try {
      call("start container " + containerId, () -> client.startContainerCmd(containerId).exec());
    } catch (NotFoundWrapper e) {
      throw new ContainerNotFoundException(containerId, e.getCause());
    } catch (EngineUnreachableException e) {
      throw e;
    } catch (DockerEngineException e) {
      throw new ContainerFailedException(e.getMessage(), e.getCause());
    }
  }

  /**
   * Returns a container's state and its address on the first of {@code networks} that it is
   * attached to.
   *
   * @throws ContainerNotFoundException if it does not exist
   */
  public ContainerState inspectContainer(String containerId, String... networks) {
    InspectContainerResponse response;
    try {
      response =
          call(
              "inspect container " + containerId,
              () -> client.inspectContainerCmd(containerId).exec());
    } catch (NotFoundWrapper e) {
      throw new ContainerNotFoundException(containerId, e.getCause());
    }

    var state = response.getState();
    boolean running = state != null && Boolean.TRUE.equals(state.getRunning());
    Long exitCode = state == null ? null : state.getExitCodeLong();

    String ip = null;
    var settings = response.getNetworkSettings();
    if (settings != null && settings.getNetworks() != null) {
      for (String network : networks) {
        ContainerNetwork attached = settings.getNetworks().get(network);
        if (attached != null
            && attached.getIpAddress() != null
            && !attached.getIpAddress().isEmpty()) {
          ip = attached.getIpAddress();
          break;
        }
      }
    }

    Map<String, String> labels =
        response.getConfig() == null || response.getConfig().getLabels() == null
            ? Map.of()
            : response.getConfig().getLabels();

    var hostConfig = response.getHostConfig();
    long nanoCpus = 0;
    long memBytes = 0;
    if (hostConfig != null) {
      nanoCpus = hostConfig.getNanoCPUs() == null ? 0 : hostConfig.getNanoCPUs();
      memBytes = hostConfig.getMemory() == null ? 0 : hostConfig.getMemory();
    }
    return new ContainerState(
        response.getId(),
        response.getName(),
        state == null ? "unknown" : state.getStatus(),
        running,
        running || exitCode == null ? null : exitCode.intValue(),
        ip,
        nanoCpus,
        memBytes,
        labels);
  }

  /**
   * Removes a container and its anonymous volumes, killing it first if it runs.
   *
   * @return {@code false} if there was no such container
   */
  public boolean removeContainer(String containerIdOrName) {
    try {
      call(
          "remove container " + containerIdOrName,
          () ->
              client
                  .removeContainerCmd(containerIdOrName)
                  .withForce(true)
                  .withRemoveVolumes(true)
                  .exec());
      return true;
    } catch (NotFoundWrapper e) {
      return false;
    }
  }

  /**
   * Restarts a running container: the engine stops it, killing it after {@code stopTimeout}, and
   * starts it again. Its writable layer, and so every file it wrote, stays.
   *
   * @throws ContainerNotFoundException if it does not exist
   * @throws ContainerFailedException if the engine cannot restart it
   */
  public void restartContainer(String containerId, Duration stopTimeout) {
    try {
      call(
          "restart container " + containerId,
          () ->
              client
                  .restartContainerCmd(containerId)
                  .withTimeout((int) stopTimeout.toSeconds())
                  .exec());
    } catch (NotFoundWrapper e) {
      throw new ContainerNotFoundException(containerId, e.getCause());
    } catch (EngineUnreachableException e) {
      throw e;
    } catch (DockerEngineException e) {
      throw new ContainerFailedException(e.getMessage(), e.getCause());
    }
  }

  /**
   * Runs a command in a running container and returns its exit code and output, keeping at most
   * {@code stdoutLimit} bytes of standard output.
   *
   * <p>The engine does not pass the end of {@code stdin} on to the command, so a command that reads
   * it must know its length, for example from an argument.
   *
   * @param user the {@code UID:GID} the command runs as
   * @param stdin the command's standard input, or {@code null} for none
   * @param timeout how long to wait for the command; it may go on running after that, so a command
   *     that may hang needs its own limit, for example through {@code timeout}
   * @throws ContainerNotFoundException if the container does not exist
   * @throws DockerEngineException if the engine rejects the command, for example because the
   *     container is not running, or the command does not end within {@code timeout}
   */
  public ExecResult exec(
      String containerId,
      String user,
      String workingDir,
      List<String> command,
      InputStream stdin,
      long stdoutLimit,
      Duration timeout) {
    String execId;
    try {
      execId =
          call(
              "start a command in container " + containerId,
              () ->
                  client
                      .execCreateCmd(containerId)
                      .withUser(user)
                      .withWorkingDir(workingDir)
                      .withCmd(command.toArray(String[]::new))
                      .withAttachStdin(stdin != null)
                      .withAttachStdout(true)
                      .withAttachStderr(true)
                      .exec()
                      .getId());
    } catch (NotFoundWrapper e) {
      throw new ContainerNotFoundException(containerId, e.getCause());
    }
    ExecOutput output = new ExecOutput(stdoutLimit);
    try {
      call(
          "run a command in container " + containerId,
          () -> {
            var start = client.execStartCmd(execId);
            if (stdin != null) {
              start.withStdIn(stdin);
            }
            return start.exec(output);
          });
      boolean completed = output.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (output.failure != null) {
        throw new DockerEngineException(
            "cannot read the output of a command in container "
                + containerId
                + ": "
                + output.failure,
            output.failure);
      }
      if (!completed && !output.stdoutTruncated) {
        throw new DockerEngineException(
            "a command in container "
                + containerId
                + " did not end within "
                + timeout.toSeconds()
                + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DockerEngineException("interrupted while a command ran in " + containerId, e);
    } finally {
      closeQuietly(output, containerId);
    }
    Long exitCode =
        output.stdoutTruncated
            ? null
            : call(
                "inspect a command in container " + containerId,
                () -> client.inspectExecCmd(execId).exec().getExitCodeLong());
    return new ExecResult(
        exitCode == null ? -1 : exitCode.intValue(),
        output.stdout.toByteArray(),
        output.stdoutTruncated,
        output.stderr.toString(StandardCharsets.UTF_8));
  }

  /**
   * Returns the end of a container's log, its standard output and error interleaved, keeping the
   * last {@code maxBytes} bytes.
   *
   * @throws ContainerNotFoundException if the container does not exist
   */
  public ContainerLog logs(String containerId, int maxBytes, Duration timeout) {
    LogTail tail = new LogTail(maxBytes);
    try {
      call(
          "read the log of container " + containerId,
          () -> client.logContainerCmd(containerId).withStdOut(true).withStdErr(true).exec(tail));
      if (!tail.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new DockerEngineException(
            "reading the log of container "
                + containerId
                + " did not finish within "
                + timeout.toSeconds()
                + " s");
      }
    } catch (NotFoundWrapper e) {
      throw new ContainerNotFoundException(containerId, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DockerEngineException("interrupted while reading the log of " + containerId, e);
    } finally {
      closeQuietly(tail, containerId);
    }
    if (tail.failure != null) {
      throw new DockerEngineException(
          "cannot read the log of container " + containerId + ": " + tail.failure, tail.failure);
    }
    return tail.result();
  }

  static void closeQuietly(java.io.Closeable stream, String containerId) {
    try {
      stream.close();
    } catch (IOException e) {
      log.debug("Cannot close a stream from container {}", containerId, e);
    }
  }

  /** Lists all containers, running or not, that carry the label {@code key=value}. */
  public List<ContainerSummary> listContainers(String key, String value) {
    List<Container> containers =
        call(
            "list containers",
            () ->
                client
                    .listContainersCmd()
                    .withShowAll(true)
                    .withLabelFilter(Map.of(key, value))
                    .exec());
    List<ContainerSummary> result = new ArrayList<>();
    for (Container container : containers) {
      Map<String, String> labels = container.getLabels() == null ? Map.of() : container.getLabels();
      result.add(new ContainerSummary(container.getId(), container.getState(), labels));
    }
    return result;
  }

  /**
   * Lists the local images that carry the label {@code key}, whatever its value, once per tag.
   * Untagged images are left out, because a kernel is created from a name.
   */
  public List<ImageSummary> listImagesWithLabel(String key) {
    List<Image> images =
        call("list images", () -> client.listImagesCmd().withLabelFilter(key).exec());
    List<ImageSummary> result = new ArrayList<>();
    for (Image image : images) {
      String[] tags = image.getRepoTags() == null ? new String[0] : image.getRepoTags();
      long size = image.getSize() == null ? 0 : image.getSize();
      Map<String, String> labels = image.getLabels() == null ? Map.of() : image.getLabels();
      for (String tag : tags) {
        if (!tag.startsWith("<none>")) {
          result.add(new ImageSummary(tag, image.getId(), size, labels));
        }
      }
    }
    return result;
  }

  /**
   * Returns the last lines a container wrote to its standard output and error, at most {@value
   * #MAX_LOG_CHARS} characters, or an empty string if they cannot be read.
   */
  public String logTail(String containerId, int lines) {
    StringBuilder text = new StringBuilder();
    ResultCallback.Adapter<Frame> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Frame frame) {
            text.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
          }
        };
    try {
      client
          .logContainerCmd(containerId)
          .withStdOut(true)
          .withStdErr(true)
          .withTail(lines)
          .exec(callback)
          .awaitCompletion(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    } catch (RuntimeException e) {
      log.debug("Cannot read the log of container {}", containerId, e);
      return "";
    } finally {
      try {
        callback.close();
      } catch (IOException e) {
        log.debug("Cannot close the log stream of container {}", containerId, e);
      }
    }
    String result = text.toString().strip();
    return result.length() > MAX_LOG_CHARS
        ? "..." + result.substring(result.length() - MAX_LOG_CHARS)
        : result;
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (IOException e) {
      log.debug("Cannot close the Docker client", e);
    }
  }

  /** Carries a 404 from the engine to the method that can name what was not found. */
  private static final class NotFoundWrapper extends DockerEngineException {
    NotFoundWrapper(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private <T> T call(String action, Supplier<T> request) {
    try {
      return request.get();
    } catch (NotFoundException e) {
      throw new NotFoundWrapper("cannot " + action + ": " + engineMessage(e), e);
    } catch (DockerException e) {
      throw new DockerEngineException("cannot " + action + ": " + engineMessage(e), e);
    } catch (RuntimeException e) {
      if (hasIoCause(e)) {
        throw new EngineUnreachableException(
            "cannot "
                + action
                + ": the Docker engine at "
                + dockerHost
                + " is unreachable ("
                + rootMessage(e)
                + "); start it or set --docker-host",
            e);
      }
      throw new DockerEngineException("cannot " + action + ": " + e, e);
    }
  }

  /** Returns the engine's own message from a response body such as {"message":"..."}. */
  private static String engineMessage(DockerException e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    int start = message.indexOf("\"message\":\"");
    if (start >= 0) {
      int from = start + "\"message\":\"".length();
      int end = message.indexOf('"', from);
      if (end > from) {
        return message.substring(from, end);
      }
    }
    return message.strip();
  }

  private static boolean hasIoCause(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.toString();
  }
}
