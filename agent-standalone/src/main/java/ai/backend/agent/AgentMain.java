package ai.backend.agent;

import ai.backend.agent.config.AgentConfig;
import ai.backend.agent.config.ConfigException;
import ai.backend.agent.config.ConfigLoader;
import ai.backend.agent.config.HostFacts;
import ai.backend.agent.config.SimulationConfig;
import ai.backend.agent.docker.DockerEngineException;
import ai.backend.agent.simulation.AgentSimulation;
import ch.qos.logback.classic.Level;
import java.io.PrintWriter;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Command-line entry point of the agent. */
public final class AgentMain {

  private static final Logger log = LoggerFactory.getLogger(AgentMain.class);

  /** Exit code when the agent cannot start, for example because Docker is unreachable. */
  static final int EXIT_START_FAILED = 1;

  private AgentMain() {}

  public static void main(String[] args) {
    int code =
        run(
            args,
            System.getenv(),
            HostFacts.detect(),
            new PrintWriter(System.out, true),
            new PrintWriter(System.err, true));
    System.exit(code);
  }

  /** Returns the agent's version from the jar manifest, or {@code dev} when run from classes. */
  static String version() {
    String version = AgentMain.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  /**
   * Parses the settings, then runs the agent until the JVM is asked to stop.
   *
   * @return the exit code: 0 after help or a clean stop, 1 if the agent cannot start, 2 for invalid
   *     settings
   */
  static int run(
      String[] args, Map<String, String> env, HostFacts host, PrintWriter out, PrintWriter err) {
    Settings settings;
    try {
      settings = parse(args, env, host, out);
    } catch (ConfigException e) {
      err.println("bai-agent: " + e.getMessage());
      err.println("Run 'bai-agent --help' to list the options.");
      return ConfigLoader.EXIT_USAGE;
    }
    if (settings == null) {
      return 0;
    }
    AgentConfig config = settings.agent();
    setLogLevel(config.logLevel());
    if (settings.simulation() != null) {
      return runSimulation(config, settings.simulation(), host.hostname());
    }
    Agent agent = new Agent(config, host.hostname(), version());
    try {
      agent.start();
    } catch (DockerEngineException e) {
      log.error("Agent {} cannot start: {}", config.agentId(), e.getMessage());
      agent.close();
      return EXIT_START_FAILED;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "agent-shutdown"));
    try {
      agent.awaitStop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /**
   * The parsed settings.
   *
   * @param simulation the settings of {@code --simulate}, or {@code null} for a real agent
   */
  record Settings(AgentConfig agent, SimulationConfig simulation) {}

  /** Parses the arguments and settings; returns {@code null} after printing help or the version. */
  static Settings parse(String[] args, Map<String, String> env, HostFacts host, PrintWriter out)
      throws ConfigException {
    CommandLine commandLine = new CommandLine(ConfigLoader.commandSpec(version()));
    commandLine.setUsageHelpWidth(100);
    ParseResult parsed;
    try {
      parsed = commandLine.parseArgs(args);
    } catch (ParameterException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    if (parsed.isUsageHelpRequested()) {
      commandLine.usage(out);
      out.flush();
      return null;
    }
    if (parsed.isVersionHelpRequested()) {
      commandLine.printVersionHelp(out);
      out.flush();
      return null;
    }
    ConfigLoader loader = new ConfigLoader(env, host);
    return new Settings(loader.load(parsed), loader.loadSimulation(parsed));
  }

  /** Runs simulated agents, which start no containers, until the JVM is asked to stop. */
  private static int runSimulation(
      AgentConfig config, SimulationConfig simulationConfig, String hostname) {
    AgentSimulation simulation = new AgentSimulation(config, simulationConfig, hostname, version());
    simulation.start();
    Runtime.getRuntime().addShutdownHook(new Thread(simulation::close, "simulation-shutdown"));
    try {
      simulation.awaitStop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static void setLogLevel(String level) {
    Logger root = LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    if (root instanceof ch.qos.logback.classic.Logger logbackRoot) {
      logbackRoot.setLevel(Level.toLevel(level, Level.INFO));
    }
  }
}
