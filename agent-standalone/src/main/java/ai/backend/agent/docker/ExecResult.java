package ai.backend.agent.docker;

/**
 * The outcome of a command run in a container.
 *
 * @param exitCode the command's exit code, or -1 when it is unknown because the output was cut
 * @param stdout the command's standard output, at most the requested limit
 * @param stdoutTruncated whether the output passed the limit, so that reading stopped early
 * @param stderr the first 64 KiB of the command's standard error
 */
public record ExecResult(int exitCode, byte[] stdout, boolean stdoutTruncated, String stderr) {}
