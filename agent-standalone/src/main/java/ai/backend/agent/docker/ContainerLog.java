package ai.backend.agent.docker;

/**
 * The end of a container's log.
 *
 * @param text the last bytes of the log as UTF-8 text
 * @param totalBytes bytes in the whole log
 * @param droppedBytes bytes before {@code text} that were left out
 */
public record ContainerLog(String text, long totalBytes, long droppedBytes) {}
