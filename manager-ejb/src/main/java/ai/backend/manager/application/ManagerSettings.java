package ai.backend.manager.application;

import java.time.Duration;

/**
 * Tunable limits of the manager, read from system properties (set them in WildFly's configuration
 * or with {@code -D} on its command line).
 */
public final class ManagerSettings {

  private ManagerSettings() {}

  /** Returns how long an execute call collects output before it returns {@code continued}. */
  public static Duration flushTimeout() {
    return Duration.ofMillis(longProperty("backendai.execute.flush-timeout-ms", 5_000));
  }

  /** Returns how long past the flush timeout the manager waits for the agent's reply. */
  public static Duration agentReplyMargin() {
    return Duration.ofMillis(longProperty("backendai.execute.reply-margin-ms", 15_000));
  }

  /** Returns how long a scheduled session may wait for its agent to report the kernel started. */
  public static Duration kernelStartTimeout() {
    return Duration.ofSeconds(longProperty("backendai.kernel.start-timeout-seconds", 180));
  }

  /** Returns how long an agent may stay silent before it is marked LOST. */
  public static Duration agentHeartbeatTimeout() {
    return Duration.ofSeconds(longProperty("backendai.agent.heartbeat-timeout-seconds", 30));
  }

  /**
   * Returns how long a run may take before it ends with {@code exec-timeout} when the request sets
   * no {@code execTimeout}; zero means no limit.
   */
  public static Duration defaultExecTimeout() {
    return Duration.ofSeconds(longProperty("backendai.execute.default-timeout-seconds", 3600));
  }

  /** Returns the largest total size of the files of one upload, in bytes. */
  public static long maxUploadBytes() {
    return longProperty("backendai.files.max-upload-bytes", 64L << 20);
  }

  /** Returns the largest code payload of one execute call, in bytes. */
  public static int maxCodeBytes() {
    return (int) longProperty("backendai.execute.max-code-bytes", 1 << 20);
  }

  /** Returns how long a keypair issued by a password login works. */
  public static Duration loginKeyPairLifetime() {
    return Duration.ofHours(longProperty("backendai.auth.login-keypair-hours", 24));
  }

  /** Returns the rolling window over which a keypair's rate limit counts requests. */
  public static Duration rateLimitWindow() {
    return Duration.ofSeconds(Math.max(1, longProperty("backendai.ratelimit.window-seconds", 900)));
  }

  private static long longProperty(String name, long defaultValue) {
    String value = System.getProperty(name);
    if (value == null || value.isBlank()) {
      return defaultValue;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalStateException(
          "system property " + name + " must be a whole number, not '" + value + "'", e);
    }
  }
}
