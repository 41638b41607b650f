package ai.backend.agent.config;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The validated settings of one agent.
 *
 * @param brokerPassword the broker password, or {@code null} for none; {@link #toString()} hides it
 * @param cpu CPU cores offered to kernels
 * @param memBytes memory offered to kernels, in bytes
 * @param krunnerPath absolute path of the runner bundle directory
 * @param outputLimitBytes bytes kept per output stream and execute call
 * @param execTimeout how long a run may take when its request sets no limit; zero means no limit
 * @param maxUploadBytes largest total size of the files in one upload
 * @param maxDownloadBytes largest tar archive that one download returns
 * @param logLevel a Logback level name such as {@code INFO}
 * @param extraSlots slots offered besides cpu and mem, such as {@code cuda.device}
 * @param sandbox how kernels are confined: the jail mode, tmpfs sizes, the firewall
 */
public record AgentConfig(
    String brokerUrl,
    String brokerUser,
    String brokerPassword,
    String agentId,
    String scalingGroup,
    BigDecimal cpu,
    long memBytes,
    Path krunnerPath,
    String kernelNetwork,
    Duration heartbeatInterval,
    Duration kernelStartTimeout,
    long outputLimitBytes,
    Duration execTimeout,
    long maxUploadBytes,
    long maxDownloadBytes,
    String dockerHost,
    String logLevel,
    Map<String, BigDecimal> extraSlots,
    SandboxConfig sandbox) {

  public AgentConfig {
    extraSlots = extraSlots == null ? Map.of() : Map.copyOf(extraSlots);
    sandbox = sandbox == null ? SandboxConfig.DEFAULTS : sandbox;
  }

  /** Settings with the default sandbox. */
  public AgentConfig(
      String brokerUrl,
      String brokerUser,
      String brokerPassword,
      String agentId,
      String scalingGroup,
      BigDecimal cpu,
      long memBytes,
      Path krunnerPath,
      String kernelNetwork,
      Duration heartbeatInterval,
      Duration kernelStartTimeout,
      long outputLimitBytes,
      Duration execTimeout,
      long maxUploadBytes,
      long maxDownloadBytes,
      String dockerHost,
      String logLevel,
      Map<String, BigDecimal> extraSlots) {
    this(
        brokerUrl,
        brokerUser,
        brokerPassword,
        agentId,
        scalingGroup,
        cpu,
        memBytes,
        krunnerPath,
        kernelNetwork,
        heartbeatInterval,
        kernelStartTimeout,
        outputLimitBytes,
        execTimeout,
        maxUploadBytes,
        maxDownloadBytes,
        dockerHost,
        logLevel,
        extraSlots,
        SandboxConfig.DEFAULTS);
  }

  /** Settings without extra slots. */
  public AgentConfig(
      String brokerUrl,
      String brokerUser,
      String brokerPassword,
      String agentId,
      String scalingGroup,
      BigDecimal cpu,
      long memBytes,
      Path krunnerPath,
      String kernelNetwork,
      Duration heartbeatInterval,
      Duration kernelStartTimeout,
      long outputLimitBytes,
      Duration execTimeout,
      long maxUploadBytes,
      long maxDownloadBytes,
      String dockerHost,
      String logLevel) {
    this(
        brokerUrl,
        brokerUser,
        brokerPassword,
        agentId,
        scalingGroup,
        cpu,
        memBytes,
        krunnerPath,
        kernelNetwork,
        heartbeatInterval,
        kernelStartTimeout,
        outputLimitBytes,
        execTimeout,
        maxUploadBytes,
        maxDownloadBytes,
        dockerHost,
        logLevel,
        Map.of());
  }

  /** Returns every slot the agent offers: cpu, mem and the extra ones. */
  public ai.backend.common.resource.ResourceSlots capacity() {
    Map<String, BigDecimal> slots = new java.util.TreeMap<>(extraSlots);
    slots.put(ai.backend.common.resource.ResourceSlots.CPU, cpu);
    slots.put(ai.backend.common.resource.ResourceSlots.MEM, BigDecimal.valueOf(memBytes));
    return ai.backend.common.resource.ResourceSlots.of(slots);
  }

  /** Returns a broker URL with the value of any {@code password=} parameter hidden. */
  public static String redactUrl(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***");
  }

  @Override
  public String toString() {
    return "AgentConfig[brokerUrl="
        + redactUrl(brokerUrl)
        + ", brokerUser="
        + brokerUser
        + ", brokerPassword="
        + (brokerPassword == null ? "(none)" : "(hidden)")
        + ", agentId="
        + agentId
        + ", scalingGroup="
        + scalingGroup
        + ", cpu="
        + cpu.toPlainString()
        + ", memBytes="
        + memBytes
        + ", krunnerPath="
        + krunnerPath
        + ", kernelNetwork="
        + kernelNetwork
        + ", heartbeatInterval="
        + heartbeatInterval.toSeconds()
        + "s, kernelStartTimeout="
        + kernelStartTimeout.toSeconds()
        + "s, outputLimitBytes="
        + outputLimitBytes
        + ", execTimeout="
        + execTimeout.toSeconds()
        + "s, maxUploadBytes="
        + maxUploadBytes
        + ", maxDownloadBytes="
        + maxDownloadBytes
        + ", dockerHost="
        + dockerHost
        + ", logLevel="
        + logLevel
        + ", sandbox="
        + sandbox
        + "]";
  }
}
