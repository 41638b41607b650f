package ai.backend.manager.application;

import ai.backend.common.files.WorkPaths;
import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentReply;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.jboss.logging.Logger;

/**
 * Operations on a running session's kernel other than execute: interrupt, restart, code completion,
 * files and logs. File paths are checked here before they reach an agent, which checks them again
 * inside the container.
 */
@Stateless
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class KernelOperations {

  private static final Logger LOG = Logger.getLogger(KernelOperations.class);
  private static final Duration SHORT_CALL = Duration.ofSeconds(30);
  private static final Duration FILE_CALL = Duration.ofSeconds(120);
  private static final int MAX_FILES = 1000;

  @EJB private KernelCalls kernels;

  /** A file received from a client for upload. */
  public record UploadedFile(String path, byte[] content) {}

  /** Downloaded content: one file's bytes, or a tar archive of several. */
  public record Download(String fileName, boolean archive, byte[] content) {}

  /** Sends SIGINT to the code running in the session. */
  public void interrupt(Caller caller, String idOrName) throws ManagerException {
    kernels.call(caller, idOrName, AgentCommand.Interrupt::new, SHORT_CALL);
    LOG.infof("Interrupted session %s of %s", idOrName, caller);
  }

  /** Restarts the session's kernel with a fresh interpreter state; files stay. */
  public void restart(Caller caller, String idOrName) throws ManagerException {
    kernels.call(
        caller,
        idOrName,
        AgentCommand.RestartKernel::new,
        ManagerSettings.kernelStartTimeout().plus(SHORT_CALL));
    LOG.infof("Restarted the kernel of session %s of %s", idOrName, caller);
  }

  /** Returns completions for the code before the cursor. */
  public List<String> complete(
      Caller caller, String idOrName, String code, Map<String, Object> options)
      throws ManagerException {
    String text = code == null ? "" : code;
    if (text.length() > 65_536) {
      throw ManagerException.invalidParameters("code to complete is longer than 65536 characters");
    }
    AgentReply reply =
        kernels.call(
            caller,
            idOrName,
            (sessionId, kernelId) ->
                new AgentCommand.Execute(
                    sessionId,
                    kernelId,
                    "complete-" + UUID.randomUUID(),
                    "complete",
                    text,
                    options == null ? Map.of() : options,
                    ManagerSettings.flushTimeout().toMillis()),
            ManagerSettings.flushTimeout().plus(ManagerSettings.agentReplyMargin()));
    AgentReply.ExecuteResult result = KernelCalls.expect(reply, AgentReply.ExecuteResult.class);
    Object completions = result.options() == null ? null : result.options().get("completions");
    List<String> items = new ArrayList<>();
    if (completions instanceof List<?> list) {
      list.forEach(item -> items.add(String.valueOf(item)));
    }
    return items;
  }

  /**
   * Writes files into the session's {@code /home/work}.
   *
   * <p>NOTE: The files travel whole in memory, Base64-encoded inside one JSON command, so one
   * upload at the 64 MiB limit takes several hundred MB of manager heap for its copies (a 1 GB heap
   * ran out, 2 GB is enough for one at a time). Streaming them in chunks would remove that cost.
   */
  public void upload(Caller caller, String idOrName, List<UploadedFile> files)
      throws ManagerException {
    if (files.isEmpty()) {
      throw ManagerException.invalidParameters(
          "no files in the upload: send multipart parts named 'src' with a filename");
    }
    if (files.size() > MAX_FILES) {
      throw ManagerException.invalidParameters(
          files.size() + " files in one upload; at most " + MAX_FILES);
    }
    long total = 0;
    Set<String> seen = new HashSet<>();
    List<AgentCommand.FileData> data = new ArrayList<>();
    for (UploadedFile file : files) {
      String path = checkedPath(file.path());
      if (!seen.add(path)) {
        throw ManagerException.invalidParameters("file path '" + path + "' appears twice");
      }
      total += file.content().length;
      if (total > ManagerSettings.maxUploadBytes()) {
        throw new ManagerException(
            413,
            "request-too-large",
            "Request too large",
            "the upload is over the limit of " + ManagerSettings.maxUploadBytes() + " bytes");
      }
      data.add(new AgentCommand.FileData(path, Base64.getEncoder().encodeToString(file.content())));
    }
    kernels.call(
        caller,
        idOrName,
        (sessionId, kernelId) -> new AgentCommand.UploadFiles(sessionId, kernelId, data),
        FILE_CALL);
    LOG.infof(
        "Uploaded %d files (%d bytes) into session %s of %s",
        files.size(), total, idOrName, caller);
  }

  /** Reads files from the session: one file as it is, several as a tar archive. */
  public Download download(Caller caller, String idOrName, List<String> paths)
      throws ManagerException {
    if (paths == null || paths.isEmpty()) {
      throw ManagerException.invalidParameters(
          "no files named: give one or more 'file' query parameters");
    }
    if (paths.size() > MAX_FILES) {
      throw ManagerException.invalidParameters(
          paths.size() + " files in one download; at most " + MAX_FILES);
    }
    List<String> checked = new ArrayList<>();
    for (String path : paths) {
      checked.add(checkedPath(path));
    }
    AgentReply reply =
        kernels.call(
            caller,
            idOrName,
            (sessionId, kernelId) -> new AgentCommand.DownloadFiles(sessionId, kernelId, checked),
            FILE_CALL);
    byte[] tar =
        Base64.getDecoder()
            .decode(KernelCalls.expect(reply, AgentReply.FilesArchive.class).tarBase64());
    if (checked.size() == 1) {
      rejectSymbolicLink(tar, checked.get(0));
      byte[] single = singleRegularFile(tar);
      if (single != null) {
        String path = checked.get(0);
        return new Download(path.substring(path.lastIndexOf('/') + 1), false, single);
      }
    }
    return new Download("files.tar", true, tar);
  }

  /**
   * Rejects the download of a single symbolic link: links are never followed, and a link on its own
   * has no content to return.
   */
  private static void rejectSymbolicLink(byte[] tar, String path) throws ManagerException {
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      TarArchiveEntry entry = in.getNextEntry();
      if (entry != null && (entry.isSymbolicLink() || entry.isLink())) {
        throw ManagerException.invalidParameters(
            "'"
                + ManagerException.shorten(path)
                + "' is a link to '"
                + ManagerException.shorten(entry.getLinkName())
                + "', and links are not followed; download the file itself");
      }
    } catch (IOException e) {
      throw ManagerException.agentFailed(502, "the agent sent an unreadable tar archive");
    }
  }

  /** Returns the bytes of the only entry of a tar archive when it is a regular file. */
  private static byte[] singleRegularFile(byte[] tar) throws ManagerException {
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      TarArchiveEntry entry = in.getNextEntry();
      if (entry == null || !entry.isFile() || entry.isSymbolicLink() || entry.isLink()) {
        return null;
      }
      byte[] content = in.readAllBytes();
      return in.getNextEntry() == null ? content : null;
    } catch (IOException e) {
      throw ManagerException.agentFailed(502, "the agent sent an unreadable tar archive");
    }
  }

  /** Lists one folder under {@code /home/work}. */
  public AgentReply.FileList listFiles(Caller caller, String idOrName, String path)
      throws ManagerException {
    String folder = path == null || path.isBlank() || path.equals(".") ? "." : checkedPath(path);
    AgentReply reply =
        kernels.call(
            caller,
            idOrName,
            (sessionId, kernelId) -> new AgentCommand.ListFiles(sessionId, kernelId, folder),
            SHORT_CALL);
    return KernelCalls.expect(reply, AgentReply.FileList.class);
  }

  /** Returns the container log of the session's kernel. */
  public String logs(Caller caller, String idOrName) throws ManagerException {
    AgentReply reply = kernels.call(caller, idOrName, AgentCommand.GetLogs::new, SHORT_CALL);
    return KernelCalls.expect(reply, AgentReply.Logs.class).text();
  }

  private static String checkedPath(String path) throws ManagerException {
    try {
      return WorkPaths.requireRelative(path);
    } catch (IllegalArgumentException e) {
      throw ManagerException.invalidParameters(e.getMessage());
    }
  }
}
