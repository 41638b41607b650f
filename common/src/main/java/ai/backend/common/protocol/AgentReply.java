package ai.backend.common.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;

/** A reply from an agent to a request-reply command such as {@link AgentCommand.Execute}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = AgentReply.ExecuteResult.class, name = "execute_result"),
  @JsonSubTypes.Type(value = AgentReply.CommandFailed.class, name = "command_failed"),
  @JsonSubTypes.Type(value = AgentReply.Done.class, name = "done"),
  @JsonSubTypes.Type(value = AgentReply.FilesArchive.class, name = "files_archive"),
  @JsonSubTypes.Type(value = AgentReply.FileList.class, name = "file_list"),
  @JsonSubTypes.Type(value = AgentReply.Logs.class, name = "logs"),
})
public sealed interface AgentReply {

  /**
   * The outcome of one execute call, in Backend.AI's form.
   *
   * @param status {@code finished}, {@code continued}, {@code waiting-input}, {@code
   *     build-finished}, {@code clean-finished} or {@code exec-timeout}
   * @param console console items, each a two-element list {@code [type, data]}
   * @param exitCode exit code of the finished run, or {@code null} while it runs
   */
  record ExecuteResult(
      String runId,
      String status,
      List<List<Object>> console,
      Integer exitCode,
      Map<String, Object> options,
      List<Map<String, Object>> files)
      implements AgentReply {}

  /**
   * A command the agent could not carry out.
   *
   * @param code a short machine-readable reason such as {@code kernel-not-found}
   * @param message what failed, in words a user can act on
   */
  record CommandFailed(String code, String message) implements AgentReply {}

  /** A command without a result of its own was carried out. */
  record Done(String message) implements AgentReply {}

  /**
   * Files read from a kernel.
   *
   * @param tarBase64 a POSIX tar archive of the files, paths relative to {@code /home/work},
   *     Base64-encoded
   */
  record FilesArchive(String tarBase64, long sizeBytes) implements AgentReply {}

  /**
   * The entries of one folder of a kernel.
   *
   * @param absPath the listed folder's absolute path inside the container
   */
  record FileList(String absPath, List<FileEntry> files) implements AgentReply {}

  /**
   * One entry of a folder listing.
   *
   * @param type {@code file}, {@code dir}, {@code link} or {@code other}
   * @param mode the permission bits as an octal string, for example {@code 644}
   * @param mtime modification time, ISO-8601
   */
  record FileEntry(String filename, String type, long size, String mode, String mtime) {}

  /** The container log of a kernel, stdout and stderr interleaved. */
  record Logs(String text) implements AgentReply {}
}
