package ai.backend.agent.docker;

import ai.backend.agent.config.SandboxConfig.FirewallMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host firewall rules that keep kernel containers away from the host itself.
 *
 * <p>A container reaches the host at its bridge's gateway address, where every service bound to all
 * addresses listens: the manager, the broker, a database. Docker's internal networks stop traffic
 * to other hosts, not to this one. For each kernel bridge the agent inserts two rules at the top of
 * the INPUT chain. The first accepts replies to connections the host opened, such as the agent's
 * ZeroMQ link to the runner. The second drops everything else from the bridge.
 *
 * <p>The rules carry the comment {@value #COMMENT}, are added once and stay when the agent stops,
 * so that kernels left running stay shut out. {@code iptables -S INPUT} shows them.
 */
public final class KernelFirewall {

  private static final Logger log = LoggerFactory.getLogger(KernelFirewall.class);

  static final String COMMENT = "backend-ai-kernels";

  private static final long COMMAND_TIMEOUT_SECONDS = 30;

  private final FirewallMode mode;
  private final String iptables;

  /**
   * @param iptables the iptables command, or {@code null} to look for it in the usual places
   */
  public KernelFirewall(FirewallMode mode, String iptables) {
    this.mode = mode;
    this.iptables = iptables != null ? iptables : findIptables();
  }

  /** Returns the rules for one bridge: the accept rule for replies, then the drop rule. */
  static List<List<String>> rules(String bridge) {
    List<String> accept =
        List.of(
            "-i",
            bridge,
            "-m",
            "conntrack",
            "--ctstate",
            "ESTABLISHED,RELATED",
            "-m",
            "comment",
            "--comment",
            COMMENT,
            "-j",
            "ACCEPT");
    List<String> drop = List.of("-i", bridge, "-m", "comment", "--comment", COMMENT, "-j", "DROP");
    return List.of(accept, drop);
  }

  /**
   * Adds the rules for the bridges unless they are there.
   *
   * @return true if the rules are in place
   * @throws IOException in mode {@code on} when they cannot be added, naming why
   */
  public boolean protect(List<String> bridges) throws IOException {
    if (mode == FirewallMode.OFF) {
      log.warn(
          "--kernel-firewall is off: kernel containers can reach the services of this host that"
              + " listen on the addresses of bridges {}; block them in the host's firewall",
          bridges);
      return false;
    }
    String missing = missingPrerequisite();
    if (missing != null) {
      if (mode == FirewallMode.ON) {
        throw new IOException(
            "--kernel-firewall is on, but " + missing + "; install iptables and run as root");
      }
      log.warn(
          "Kernel containers can reach the services of this host that listen on the addresses of"
              + " bridges {}, because {}; run the agent as root with iptables, or block them in"
              + " the host's firewall (--kernel-firewall)",
          bridges,
          missing);
      return false;
    }
    try {
      pruneRemovedBridges();
      for (String bridge : bridges) {
        List<List<String>> rules = rules(bridge);
        // Insert the drop first, then the accept above it, so replies are never dropped.
        for (int i = rules.size() - 1; i >= 0; i--) {
          List<String> rule = rules.get(i);
          if (!present(rule)) {
            List<String> insert = new ArrayList<>(List.of(iptables, "-w", "-I", "INPUT", "1"));
            insert.addAll(rule);
            run(insert);
          }
        }
        log.info("Firewall rules drop connections from bridge {} to this host", bridge);
      }
      return true;
    } catch (IOException e) {
      if (mode == FirewallMode.ON) {
        throw e;
      }
      log.warn(
          "Cannot add the firewall rules for bridges {}, so kernel containers can reach this host's"
              + " services: {}",
          bridges,
          e.getMessage());
      return false;
    }
  }

  /**
   * Deletes this agent's rules of bridges that no longer exist, left by networks that were removed.
   * A new bridge never reuses a removed one's name, because the name comes from the network's
   * random id.
   */
  private void pruneRemovedBridges() throws IOException {
    Process process =
        new ProcessBuilder(iptables, "-w", "-S", "INPUT").redirectErrorStream(true).start();
    List<String> lines;
    try {
      lines =
          new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
              .lines()
              .toList();
      if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IOException(iptables + " -S INPUT failed: " + String.join("\n", lines));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException(iptables + " -S INPUT was interrupted", e);
    }
    for (String line : lines) {
      List<String> words = List.of(line.trim().split("\\s+"));
      int in = words.indexOf("-i");
      if (!words.contains(COMMENT) || words.size() < 2 || !words.get(0).equals("-A") || in < 0) {
        continue;
      }
      String bridge = words.get(in + 1);
      if (Files.exists(Path.of("/sys/class/net", bridge))) {
        continue;
      }
      List<String> delete = new ArrayList<>(List.of(iptables, "-w", "-D"));
      delete.addAll(words.subList(1, words.size()));
      run(delete);
      log.info("Deleted the firewall rule of removed bridge {}: {}", bridge, line);
    }
  }

  private boolean present(List<String> rule) throws IOException {
    List<String> check = new ArrayList<>(List.of(iptables, "-w", "-C", "INPUT"));
    check.addAll(rule);
    return exitCode(check) == 0;
  }

  private String missingPrerequisite() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "the agent does not run as root";
    }
    if (iptables == null) {
      return "iptables is not installed";
    }
    return null;
  }

  private static String findIptables() {
    for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
      Path candidate = Path.of(dir, "iptables");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  private static void run(List<String> command) throws IOException {
    int code = exitCode(command);
    if (code != 0) {
      throw new IOException(String.join(" ", command) + " failed with exit code " + code);
    }
  }

  private static int exitCode(List<String> command) throws IOException {
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish in 30 s");
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " was interrupted", e);
    }
  }
}
