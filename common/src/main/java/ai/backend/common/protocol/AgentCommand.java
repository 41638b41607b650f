package ai.backend.common.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Map;

/** A command that the manager sends to one agent's queue. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = AgentCommand.CreateKernel.class, name = "create_kernel"),
  @JsonSubTypes.Type(value = AgentCommand.DestroyKernel.class, name = "destroy_kernel"),
  @JsonSubTypes.Type(value = AgentCommand.Execute.class, name = "execute"),
  @JsonSubTypes.Type(value = AgentCommand.Interrupt.class, name = "interrupt"),
  @JsonSubTypes.Type(value = AgentCommand.RestartKernel.class, name = "restart_kernel"),
  @JsonSubTypes.Type(value = AgentCommand.UploadFiles.class, name = "upload_files"),
  @JsonSubTypes.Type(value = AgentCommand.DownloadFiles.class, name = "download_files"),
  @JsonSubTypes.Type(value = AgentCommand.ListFiles.class, name = "list_files"),
  @JsonSubTypes.Type(value = AgentCommand.GetLogs.class, name = "get_logs"),
})
public sealed interface AgentCommand {

  /** Kernel the command is about. */
  String kernelId();

  /**
   * Starts a container for a kernel.
   *
   * @param image the local Docker image reference, for example {@code
   *     backendai/python:3.11-debian12}
   * @param resources resource slots granted to the kernel, as decimal strings; {@code mem} is in
   *     bytes
   * @param environ environment variables the user asked for
   * @param network {@value #NETWORK_NONE} or {@value #NETWORK_ISOLATED}; {@code null} means none
   */
  record CreateKernel(
      String sessionId,
      String kernelId,
      String image,
      Map<String, String> resources,
      Map<String, String> environ,
      String accessKey,
      String network)
      implements AgentCommand {

    /** The value of {@code network} for a session without a network, also when it is absent. */
    public static final String NETWORK_NONE = "none";

    /** The value of {@code network} for a session on an isolated network with outbound access. */
    public static final String NETWORK_ISOLATED = "isolated";

    /** A command without a network, as before the field existed. */
    public CreateKernel(
        String sessionId,
        String kernelId,
        String image,
        Map<String, String> resources,
        Map<String, String> environ,
        String accessKey) {
      this(sessionId, kernelId, image, resources, environ, accessKey, NETWORK_NONE);
    }
  }

  /** Stops and removes the container of a kernel. */
  record DestroyKernel(String sessionId, String kernelId, String reason) implements AgentCommand {}

  /**
   * Runs code in a kernel; the agent replies with an {@link AgentReply} to the message's {@code
   * JMSReplyTo}.
   *
   * @param mode {@code query}, {@code continue}, {@code input}, {@code batch} or {@code complete}
   * @param flushTimeoutMillis how long the agent collects output before it returns a {@code
   *     continued} result
   */
  record Execute(
      String sessionId,
      String kernelId,
      String runId,
      String mode,
      String code,
      Map<String, Object> options,
      long flushTimeoutMillis)
      implements AgentCommand {}

  /**
   * Sends SIGINT to what runs the user's code in a kernel; replies {@link AgentReply.Done} once
   * sent. The interrupted run ends with its own result.
   */
  record Interrupt(String sessionId, String kernelId) implements AgentCommand {}

  /**
   * Restarts a kernel with a fresh interpreter state, keeping its container and its files; replies
   * {@link AgentReply.Done} once the runner is ready again.
   */
  record RestartKernel(String sessionId, String kernelId) implements AgentCommand {}

  /**
   * Writes files into the kernel's {@code /home/work}; replies {@link AgentReply.Done}, or {@link
   * AgentReply.CommandFailed} with code {@code invalid-path} when a path is absolute, contains
   * {@code ..}, or passes through a symbolic link.
   */
  record UploadFiles(String sessionId, String kernelId, java.util.List<FileData> files)
      implements AgentCommand {}

  /**
   * One file of an upload.
   *
   * @param path relative to {@code /home/work}, with {@code /} between folders
   * @param contentBase64 the file's bytes, Base64-encoded
   */
  record FileData(String path, String contentBase64) {}

  /**
   * Reads files from the kernel's {@code /home/work}; replies {@link AgentReply.FilesArchive} with
   * a tar archive of them.
   */
  record DownloadFiles(String sessionId, String kernelId, java.util.List<String> paths)
      implements AgentCommand {}

  /** Lists a folder under {@code /home/work}; replies {@link AgentReply.FileList}. */
  record ListFiles(String sessionId, String kernelId, String path) implements AgentCommand {}

  /** Reads the kernel container's log; replies {@link AgentReply.Logs}. */
  record GetLogs(String sessionId, String kernelId) implements AgentCommand {}
}
