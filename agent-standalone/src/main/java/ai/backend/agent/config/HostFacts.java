package ai.backend.agent.config;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Facts about the host that computed defaults depend on.
 *
 * @param hostname the host name
 * @param cores the number of CPU cores available to the JVM
 * @param memoryBytes the total memory of the machine, or of its container, as the JVM reports it,
 *     in bytes
 * @param repositoryRoot the source tree the agent runs from, or {@code null} when unknown
 */
public record HostFacts(String hostname, int cores, long memoryBytes, Path repositoryRoot) {

  /** Reads the facts of the machine the JVM runs on. */
  public static HostFacts detect() {
    return new HostFacts(
        detectHostname(),
        Runtime.getRuntime().availableProcessors(),
        detectMemory(),
        detectRepositoryRoot());
  }

  private static String detectHostname() {
    String fromEnv = System.getenv("HOSTNAME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.trim();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "agent";
    }
  }

  private static long detectMemory() {
    var bean = ManagementFactory.getOperatingSystemMXBean();
    if (bean instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return Runtime.getRuntime().maxMemory();
  }

  /**
   * Finds the repository from the location of the agent's classes: both {@code
   * agent-standalone/target/backend-ai-agent.jar} and {@code agent-standalone/target/classes} sit
   * three levels below it.
   */
  private static Path detectRepositoryRoot() {
    try {
      var source = HostFacts.class.getProtectionDomain().getCodeSource();
      if (source == null) {
        return null;
      }
      Path location = Path.of(source.getLocation().toURI()).toAbsolutePath();
      Path root = location.getParent() == null ? null : location.getParent().getParent();
      root = root == null ? null : root.getParent();
      if (root != null && Files.isDirectory(root.resolve("kernel-images"))) {
        return root;
      }
      return null;
    } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
      return null;
    }
  }
}
