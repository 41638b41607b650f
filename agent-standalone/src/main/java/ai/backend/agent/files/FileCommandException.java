package ai.backend.agent.files;

import ai.backend.common.protocol.AgentReply;

/** A file command that failed, with the {@code command_failed} code and message for the manager. */
public final class FileCommandException extends Exception {

  /** A path breaks the rules of {@link WorkPaths} or passes through a symbolic link. */
  public static final String INVALID_PATH = "invalid-path";

  /** The call has too many files, or its files or archive exceed the size limit. */
  public static final String TOO_LARGE = "too-large";

  /** A path to download or list does not exist in the kernel. */
  public static final String FILE_NOT_FOUND = "file-not-found";

  /** The request is malformed, for example file content that is not Base64. */
  public static final String INVALID_COMMAND = "invalid-command";

  /** The command inside the kernel failed, for example because a folder is not writable. */
  public static final String FILE_OPERATION_FAILED = "file-operation-failed";

  private final String code;

  public FileCommandException(String code, String message) {
    super(message);
    this.code = code;
  }

  public String code() {
    return code;
  }

  public AgentReply.CommandFailed toReply() {
    return new AgentReply.CommandFailed(code, getMessage());
  }
}
