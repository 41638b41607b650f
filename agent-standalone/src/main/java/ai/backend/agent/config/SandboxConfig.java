package ai.backend.agent.config;

import java.util.Locale;

/**
 * The settings that confine kernels beyond the container's resource limits.
 *
 * @param jail how the runner starts user code: under the jail's policy, watched by it, or without
 *     it; passed to every kernel as {@code BACKENDAI_JAIL}
 * @param scratchRoot the directory under which the agent keeps one folder per agent id, and in it
 *     one scratch tmpfs per kernel
 * @param scratchBytes size of the tmpfs at {@code /home/work}
 * @param tmpBytes size of each tmpfs at {@code /tmp} and {@code /var/tmp}
 * @param shmBytes size of {@code /dev/shm}
 * @param firewall whether the agent adds the host firewall rules that keep kernels from reaching
 *     the host's services through their bridges
 * @param outboundNetwork Docker network of the sessions that ask for a network
 */
public record SandboxConfig(
    JailMode jail,
    java.nio.file.Path scratchRoot,
    long scratchBytes,
    long tmpBytes,
    long shmBytes,
    FirewallMode firewall,
    String outboundNetwork) {

  /** The defaults of the agent's settings. */
  public static final SandboxConfig DEFAULTS =
      new SandboxConfig(
          JailMode.ENFORCE,
          java.nio.file.Path.of("/var/lib/backend-ai/scratch"),
          1L << 30,
          256L << 20,
          64L << 20,
          FirewallMode.AUTO,
          "bai-outbound");

  /** The runner's jail modes, named as {@code BACKENDAI_JAIL} takes them. */
  public enum JailMode {
    ENFORCE,
    WATCH,
    OFF;

    /** Returns the value of {@code BACKENDAI_JAIL}. */
    public String value() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Whether the agent manages the host firewall rules for kernel bridges. */
  public enum FirewallMode {
    /** Adds the rules when the agent runs as root and iptables is present, else warns. */
    AUTO,
    /** Adds the rules, and the agent does not start without them. */
    ON,
    /** Adds none; the host's own firewall must keep kernels out. */
    OFF
  }

  /** Returns these settings with another jail mode. */
  public SandboxConfig withJail(JailMode mode) {
    return new SandboxConfig(
        mode, scratchRoot, scratchBytes, tmpBytes, shmBytes, firewall, outboundNetwork);
  }

  /** Returns these settings with another scratch root. */
  public SandboxConfig withScratchRoot(java.nio.file.Path root) {
    return new SandboxConfig(
        jail, root, scratchBytes, tmpBytes, shmBytes, firewall, outboundNetwork);
  }
}
