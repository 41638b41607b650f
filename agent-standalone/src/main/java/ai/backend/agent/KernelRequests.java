package ai.backend.agent;

import ai.backend.agent.config.AgentConfig;
import ai.backend.agent.config.SandboxConfig;
import ai.backend.agent.docker.ContainerLog;
import ai.backend.agent.docker.DockerEngine;
import ai.backend.agent.docker.DockerEngineException;
import ai.backend.agent.docker.DockerEngineException.ContainerNotFoundException;
import ai.backend.agent.files.FileCommandException;
import ai.backend.agent.files.KernelFiles;
import ai.backend.agent.files.WorkPaths;
import ai.backend.agent.kernel.Kernel;
import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentReply;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the request-reply commands that work on a running kernel without changing its
 * lifecycle: execute, interrupt, the file commands and logs. Each call may block on the kernel or
 * the Docker engine, so it runs on a pool thread, not on the broker's delivery thread.
 */
final class KernelRequests {

  private static final Logger log = LoggerFactory.getLogger(KernelRequests.class);

  /** Bytes of the end of a container log that {@code get_logs} returns. */
  static final int MAX_LOG_BYTES = 1 << 20;

  private static final Duration LOG_READ_TIMEOUT = Duration.ofSeconds(30);

  private final AgentConfig config;
  private final DockerEngine docker;
  private final KernelLifecycle lifecycle;
  private final KernelFiles files;

  KernelRequests(AgentConfig config, DockerEngine docker, KernelLifecycle lifecycle) {
    this.config = config;
    this.docker = docker;
    this.lifecycle = lifecycle;
    this.files =
        new KernelFiles(
            docker,
            KernelLifecycle.CONTAINER_USER,
            config.maxUploadBytes(),
            config.maxDownloadBytes(),
            fileJail(config));
  }

  /**
   * Returns the command line that runs the file commands under the jail of the runner bundle with
   * its default policy, or an empty list when the jail is off or the bundle has none.
   */
  static List<String> fileJail(AgentConfig config) {
    SandboxConfig.JailMode mode = config.sandbox().jail();
    if (mode == SandboxConfig.JailMode.OFF
        || config.krunnerPath() == null
        || !Files.isExecutable(config.krunnerPath().resolve("jail/jail"))) {
      return List.of();
    }
    String jailDir = KernelLifecycle.BUNDLE_MOUNT_POINT + "/jail";
    List<String> prefix = new ArrayList<>();
    prefix.add(jailDir + "/jail");
    prefix.addAll(List.of("--policy", jailDir + "/policies/default.policy"));
    if (mode == SandboxConfig.JailMode.WATCH) {
      prefix.add("--watch");
    }
    prefix.addAll(List.of("--allow-write", WorkPaths.WORK_DIR, "--"));
    return prefix;
  }

  /** Carries out one command and returns its reply; failures come back as {@code CommandFailed}. */
  AgentReply handle(AgentCommand command) {
    if (command instanceof AgentCommand.Execute execute) {
      return lifecycle.execute(execute);
    }
    Kernel kernel = lifecycle.kernel(command.kernelId());
    if (kernel == null) {
      return new AgentReply.CommandFailed(
          "kernel-not-found",
          "kernel " + command.kernelId() + " is not running on agent " + config.agentId());
    }
    try {
      if (command instanceof AgentCommand.Interrupt) {
        return kernel.connection().interrupt();
      } else if (command instanceof AgentCommand.UploadFiles upload) {
        return upload(kernel, upload);
      } else if (command instanceof AgentCommand.DownloadFiles download) {
        return download(kernel, download);
      } else if (command instanceof AgentCommand.ListFiles listing) {
        return list(kernel, listing);
      } else if (command instanceof AgentCommand.GetLogs) {
        return logs(kernel);
      }
      return new AgentReply.CommandFailed(
          "invalid-command",
          "the agent cannot carry out a " + command.getClass().getSimpleName() + " request here");
    } catch (FileCommandException e) {
      return e.toReply();
    } catch (ContainerNotFoundException e) {
      return new AgentReply.CommandFailed(
          "kernel-terminated",
          "the container of kernel " + kernel.kernelId() + " no longer exists");
    } catch (DockerEngineException e) {
      log.warn(
          "Agent {} {} for kernel {} (session {}) failed in Docker: {}",
          config.agentId(),
          command.getClass().getSimpleName(),
          kernel.kernelId(),
          kernel.sessionId(),
          e.getMessage());
      return new AgentReply.CommandFailed("agent-error", e.getMessage());
    }
  }

  private AgentReply upload(Kernel kernel, AgentCommand.UploadFiles upload)
      throws FileCommandException {
    long bytes = files.upload(kernel.containerId(), upload.files());
    int count = upload.files().size();
    log.info(
        "Agent {} uploaded {} files ({} bytes) to kernel {} (session {})",
        config.agentId(),
        count,
        bytes,
        kernel.kernelId(),
        kernel.sessionId());
    return new AgentReply.Done(
        "uploaded " + count + " files (" + bytes + " bytes) to " + WorkPaths.WORK_DIR);
  }

  private AgentReply download(Kernel kernel, AgentCommand.DownloadFiles download)
      throws FileCommandException {
    byte[] archive = files.download(kernel.containerId(), download.paths());
    log.info(
        "Agent {} sent a {}-byte archive of {} paths from kernel {} (session {})",
        config.agentId(),
        archive.length,
        download.paths().size(),
        kernel.kernelId(),
        kernel.sessionId());
    return new AgentReply.FilesArchive(Base64.getEncoder().encodeToString(archive), archive.length);
  }

  private AgentReply list(Kernel kernel, AgentCommand.ListFiles listing)
      throws FileCommandException {
    String path = listing.path() == null ? "." : listing.path();
    List<AgentReply.FileEntry> entries = files.list(kernel.containerId(), path);
    return new AgentReply.FileList(WorkPaths.absolute(path), entries);
  }

  private AgentReply logs(Kernel kernel) {
    ContainerLog containerLog = docker.logs(kernel.containerId(), MAX_LOG_BYTES, LOG_READ_TIMEOUT);
    if (containerLog.droppedBytes() == 0) {
      return new AgentReply.Logs(containerLog.text());
    }
    return new AgentReply.Logs(
        "[log truncated: the last "
            + (containerLog.totalBytes() - containerLog.droppedBytes())
            + " of "
            + containerLog.totalBytes()
            + " bytes follow]\n"
            + containerLog.text());
  }
}
