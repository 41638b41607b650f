package ai.backend.agent.config;

import ai.backend.agent.kernel.KernelConnection;
import ai.backend.common.resource.ResourceSlots;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Builds the agent's command line and resolves each {@link Setting} from, in order of precedence,
 * the command line, the environment and the properties file named by {@code --config}, falling back
 * to its default.
 */
public final class ConfigLoader {

  /** Exit code for invalid settings and usage errors. */
  public static final int EXIT_USAGE = 2;

  /** Allowed agent ids and scaling group names. */
  public static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** Docker's rule for network names, with a length cap. */
  private static final Pattern NETWORK_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  private static final long MAX_OUTPUT_LIMIT = 1L << 30;
  private static final int MAX_SECONDS = 3600;

  private static final long MAX_TRANSFER_SIZE = 1L << 30;
  private static final long MIN_TMPFS_SIZE = 1L << 20;
  private static final long MAX_TMPFS_SIZE = 64L << 30;
  private static final List<String> LOG_LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");

  private final Map<String, String> env;
  private final HostFacts host;

  public ConfigLoader(Map<String, String> env, HostFacts host) {
    this.env = Map.copyOf(env);
    this.host = host;
  }

  /** Builds the command-line model: one option per {@link Setting}, plus help and version. */
  public static CommandSpec commandSpec(String version) {
    CommandSpec spec = CommandSpec.create().name("bai-agent").version("bai-agent " + version);
    spec.mixinStandardHelpOptions(true);
    spec.usageMessage()
        .sortOptions(false)
        .description(
            "Runs Backend.AI kernels in Docker containers on this host for the manager that sends"
                + " commands over the Artemis broker.",
            "Each option can also be set by its environment variable or by its key in the --config"
                + " file; the command line wins over the environment, and the environment over the"
                + " file.");
    for (Setting setting : Setting.values()) {
      OptionSpec.Builder option =
          OptionSpec.builder(setting.optionName())
              .paramLabel(setting.paramLabel())
              .type(String.class)
              .arity(setting.isFlag() ? "0..1" : "1")
              .description(setting.helpText());
      if (setting.isFlag()) {
        option.fallbackValue("true");
      }
      spec.addOption(option.build());
    }
    return spec;
  }

  /**
   * Resolves and validates every setting.
   *
   * @throws ConfigException naming the option, the value and where it came from
   */
  public AgentConfig load(ParseResult parsed) throws ConfigException {
    Map<Setting, RawValue> raw = resolve(parsed);
    boolean simulated = bool(raw.get(Setting.SIMULATE));
    return new AgentConfig(
        brokerUrl(raw.get(Setting.BROKER_URL)),
        nonBlank(raw.get(Setting.BROKER_USER)),
        brokerPassword(raw.get(Setting.BROKER_PASSWORD_FILE)),
        agentId(raw.get(Setting.AGENT_ID)),
        identifier(raw.get(Setting.SCALING_GROUP)),
        cpu(raw.get(Setting.CPU)),
        mem(raw.get(Setting.MEM)),
        krunnerPath(raw.get(Setting.KRUNNER_PATH), !simulated),
        networkName(raw.get(Setting.KERNEL_NETWORK)),
        Duration.ofSeconds(seconds(raw.get(Setting.HEARTBEAT_INTERVAL))),
        Duration.ofSeconds(seconds(raw.get(Setting.KERNEL_START_TIMEOUT))),
        outputLimit(raw.get(Setting.OUTPUT_LIMIT)),
        Duration.ofSeconds(execTimeoutSeconds(raw.get(Setting.EXEC_TIMEOUT))),
        transferSize(raw.get(Setting.MAX_UPLOAD_SIZE)),
        transferSize(raw.get(Setting.MAX_DOWNLOAD_SIZE)),
        dockerHost(raw.get(Setting.DOCKER_HOST)),
        logLevel(raw.get(Setting.LOG_LEVEL)),
        extraSlots(raw.get(Setting.EXTRA_SLOTS)),
        sandbox(raw));
  }

  private static SandboxConfig sandbox(Map<Setting, RawValue> raw) throws ConfigException {
    RawValue kernelNetwork = raw.get(Setting.KERNEL_NETWORK);
    RawValue outbound = raw.get(Setting.OUTBOUND_NETWORK);
    String outboundName = networkName(outbound);
    if (outboundName.equals(kernelNetwork.text())) {
      throw outbound.invalid(
          "it must differ from --kernel-network, which is internal and has no route out");
    }
    return new SandboxConfig(
        choice(raw.get(Setting.JAIL), SandboxConfig.JailMode.class),
        path(raw.get(Setting.SCRATCH_ROOT)),
        tmpfsSize(raw.get(Setting.SCRATCH_SIZE)),
        tmpfsSize(raw.get(Setting.TMP_SIZE)),
        tmpfsSize(raw.get(Setting.SHM_SIZE)),
        choice(raw.get(Setting.KERNEL_FIREWALL), SandboxConfig.FirewallMode.class),
        outboundName);
  }

  private static <E extends Enum<E>> E choice(RawValue value, Class<E> type)
      throws ConfigException {
    List<String> names = new java.util.ArrayList<>();
    for (E constant : type.getEnumConstants()) {
      String name = constant.name().toLowerCase(Locale.ROOT);
      if (name.equals(value.text().toLowerCase(Locale.ROOT))) {
        return constant;
      }
      names.add(name);
    }
    throw value.invalid("expected one of " + String.join(", ", names));
  }

  /** Parses a tmpfs size from 1m, so that a kernel can start, to 64g. */
  private static long tmpfsSize(RawValue value) throws ConfigException {
    long bytes = size(value);
    if (bytes < MIN_TMPFS_SIZE || bytes > MAX_TMPFS_SIZE) {
      throw value.invalid("expected a size from 1m to 64g");
    }
    return bytes;
  }

  /** Parses {@code name=value,...}; names other than cpu and mem, values plain decimals. */
  private static Map<String, BigDecimal> extraSlots(RawValue value) throws ConfigException {
    if (value == null
        || value.text() == null
        || value.text().isBlank()
        || value.text().trim().equals("none")) {
      return Map.of();
    }
    Map<String, String> pairs = new java.util.LinkedHashMap<>();
    for (String pair : value.text().split(",")) {
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair.trim() : pair.substring(0, equals).trim();
      if (equals < 0
          || name.equals(ai.backend.common.resource.ResourceSlots.CPU)
          || name.equals(ai.backend.common.resource.ResourceSlots.MEM)) {
        throw new ConfigException(
            "invalid extra-slots entry '"
                + pair.trim()
                + "' ("
                + value.origin()
                + "): use name=value pairs other than cpu and mem, such as cuda.device=2");
      }
      pairs.put(name, pair.substring(equals + 1).trim());
    }
    try {
      return ai.backend.common.resource.ResourceSlots.parse(pairs).asMap();
    } catch (IllegalArgumentException e) {
      throw new ConfigException("invalid extra-slots (" + value.origin() + "): " + e.getMessage());
    }
  }

  /**
   * Resolves and validates the settings of {@code --simulate}.
   *
   * @return the simulation settings, or {@code null} when {@code --simulate} is off
   * @throws ConfigException if a simulation setting is invalid, or is given on the command line
   *     without {@code --simulate}
   */
  public SimulationConfig loadSimulation(ParseResult parsed) throws ConfigException {
    Map<Setting, RawValue> raw = resolve(parsed);
    RawValue agents = raw.get(Setting.SIMULATE_AGENTS);
    RawValue startMillis = raw.get(Setting.SIMULATE_START_MILLIS);
    if (!bool(raw.get(Setting.SIMULATE))) {
      for (RawValue value : List.of(agents, startMillis)) {
        if (value.fromCommandLine()) {
          throw new ConfigException(
              value.setting().optionName() + " applies only together with --simulate");
        }
      }
      return null;
    }
    int count = (int) wholeNumber(agents, 1, SimulationConfig.MAX_AGENTS);
    RawValue agentId = raw.get(Setting.AGENT_ID);
    String baseId = agentId(agentId);
    int maxBaseLength = 64 - SimulationConfig.ID_SUFFIX_LENGTH;
    if (baseId.length() > maxBaseLength) {
      String message =
          "simulated agents add '-0001' and so on to the agent id, so it may have at most "
              + maxBaseLength
              + " characters";
      if (agentId == null) {
        throw new ConfigException(
            "the default agent id '"
                + baseId
                + "' is too long, because "
                + message
                + ". Set a shorter one with --agent-id");
      }
      throw agentId.invalid(message);
    }
    return new SimulationConfig(
        count,
        Duration.ofMillis(
            wholeNumber(startMillis, 0, SimulationConfig.MAX_START_DELAY.toMillis())));
  }

  /** A setting's text before validation, with where it came from for error messages. */
  private record RawValue(Setting setting, String text, String origin, boolean fromCommandLine) {

    ConfigException invalid(String expectation) {
      return new ConfigException(
          "invalid value '"
              + text
              + "' for "
              + setting.optionName()
              + " ("
              + origin
              + "): "
              + expectation);
    }
  }

  private Map<Setting, RawValue> resolve(ParseResult parsed) throws ConfigException {
    Map<Setting, RawValue> values = new EnumMap<>(Setting.class);
    for (Setting setting : Setting.values()) {
      String fromCommandLine = parsed.matchedOptionValue(setting.optionName(), null);
      if (fromCommandLine != null) {
        values.put(
            setting, new RawValue(setting, fromCommandLine.trim(), "from the command line", true));
      }
    }
    values.computeIfAbsent(Setting.CONFIG, this::fromEnvironment);
    Properties file = readConfigFile(values.get(Setting.CONFIG));
    String fileOrigin =
        values.get(Setting.CONFIG) == null
            ? null
            : "from key %s in " + values.get(Setting.CONFIG).text();
    for (Setting setting : Setting.values()) {
      if (values.containsKey(setting)) {
        continue;
      }
      RawValue value = fromEnvironment(setting);
      if (value == null && file != null && file.containsKey(setting.propertyKey())) {
        String text = file.getProperty(setting.propertyKey()).trim();
        value =
            new RawValue(setting, text, String.format(fileOrigin, setting.propertyKey()), false);
      }
      if (value == null && setting.literalDefault() != null) {
        value = new RawValue(setting, setting.literalDefault(), "the default", false);
      }
      if (value != null) {
        values.put(setting, value);
      }
    }
    return values;
  }

  private RawValue fromEnvironment(Setting setting) {
    String text = env.get(setting.envName());
    if (text == null || text.isBlank()) {
      return null;
    }
    return new RawValue(
        setting, text.trim(), "from environment variable " + setting.envName(), false);
  }

  private static Properties readConfigFile(RawValue config) throws ConfigException {
    if (config == null) {
      return null;
    }
    Path path = path(config);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw config.invalid("the file does not exist or is not readable");
    }
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException | IllegalArgumentException e) {
      throw config.invalid("the file cannot be read as a properties file: " + e.getMessage());
    }
    TreeSet<String> validKeys = new TreeSet<>();
    for (Setting setting : Setting.values()) {
      if (setting != Setting.CONFIG) {
        validKeys.add(setting.propertyKey());
      }
    }
    for (String key : properties.stringPropertyNames()) {
      if (!validKeys.contains(key)) {
        throw new ConfigException(
            "unknown key '" + key + "' in config file " + path + "; valid keys: " + validKeys);
      }
    }
    return properties;
  }

  private static Path path(RawValue value) throws ConfigException {
    try {
      return Path.of(value.text()).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw value.invalid("not a valid path: " + e.getReason());
    }
  }

  private static String nonBlank(RawValue value) throws ConfigException {
    if (value.text().isEmpty()) {
      throw value.invalid("the value must not be empty");
    }
    return value.text();
  }

  private static String brokerUrl(RawValue value) throws ConfigException {
    String url = nonBlank(value);
    try (ActiveMQConnectionFactory probe = new ActiveMQConnectionFactory(url)) {
      return url;
    } catch (RuntimeException e) {
      throw value.invalid("not a valid Artemis broker URL such as tcp://127.0.0.1:61616: " + e);
    }
  }

  private String brokerPassword(RawValue passwordFile) throws ConfigException {
    String fromEnv = env.get(Setting.BROKER_PASSWORD_ENV);
    boolean fileWins = passwordFile != null && passwordFile.fromCommandLine();
    if (!fileWins && fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv;
    }
    if (passwordFile == null) {
      return null;
    }
    Path path = path(passwordFile);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw passwordFile.invalid("the file does not exist or is not readable");
    }
    try {
      List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
      if (lines.isEmpty() || lines.get(0).isEmpty()) {
        throw passwordFile.invalid("the first line of the file is empty");
      }
      return lines.get(0);
    } catch (IOException e) {
      throw passwordFile.invalid("the file cannot be read: " + e.getMessage());
    }
  }

  private String agentId(RawValue value) throws ConfigException {
    if (value == null) {
      return defaultAgentId(host.hostname());
    }
    return identifier(value);
  }

  /** Derives an agent id from a host name by replacing characters the id does not allow. */
  static String defaultAgentId(String hostname) {
    String id = hostname == null ? "" : hostname.replaceAll("[^A-Za-z0-9._-]", "-");
    if (id.length() > 64) {
      id = id.substring(0, 64);
    }
    return id.isEmpty() ? "agent" : id;
  }

  private static String identifier(RawValue value) throws ConfigException {
    if (!ID_PATTERN.matcher(value.text()).matches()) {
      throw value.invalid("use 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
    }
    return value.text();
  }

  private BigDecimal cpu(RawValue value) throws ConfigException {
    if (value == null) {
      return BigDecimal.valueOf(host.cores());
    }
    try {
      BigDecimal cores = new BigDecimal(value.text());
      if (cores.signum() <= 0) {
        throw value.invalid("the number of cores must be greater than 0");
      }
      return cores.stripTrailingZeros();
    } catch (NumberFormatException e) {
      throw value.invalid("expected a number of cores such as 4 or 1.5");
    }
  }

  private long mem(RawValue value) throws ConfigException {
    if (value == null) {
      return host.memoryBytes() / 10 * 8;
    }
    long bytes = size(value);
    if (bytes <= 0) {
      throw value.invalid("the memory size must be greater than 0");
    }
    return bytes;
  }

  private static long size(RawValue value) throws ConfigException {
    try {
      return ResourceSlots.parseBinarySize(value.text()).longValueExact();
    } catch (ArithmeticException e) {
      throw value.invalid("the size is too large");
    } catch (IllegalArgumentException e) {
      throw value.invalid("expected bytes or a size such as 512m or 8g");
    }
  }

  /**
   * Returns the runner bundle directory. It is checked only if {@code mustExist}, which simulated
   * agents do not need because they start no containers.
   */
  private Path krunnerPath(RawValue value, boolean mustExist) throws ConfigException {
    Path path;
    RawValue source = value;
    if (value == null) {
      Path root = host.repositoryRoot() == null ? Path.of("") : host.repositoryRoot();
      path = root.resolve("kernel-images/target/krunner").toAbsolutePath().normalize();
      source = new RawValue(Setting.KRUNNER_PATH, path.toString(), "the default", false);
    } else {
      path = path(value);
    }
    if (!mustExist) {
      return path;
    }
    if (!Files.isDirectory(path)) {
      throw source.invalid(
          "the directory does not exist; build the runner bundle with"
              + " 'mvn -pl kernel-images package' or pass its location");
    }
    if (!Files.isRegularFile(path.resolve("bin/entrypoint.sh"))) {
      throw source.invalid("the directory has no bin/entrypoint.sh, so it is not a runner bundle");
    }
    return path;
  }

  private static String networkName(RawValue value) throws ConfigException {
    if (!NETWORK_NAME.matcher(value.text()).matches()) {
      throw value.invalid(
          "use a Docker network name: a letter or digit, then letters, digits, '.', '_' or '-'");
    }
    return value.text();
  }

  private static int seconds(RawValue value) throws ConfigException {
    try {
      int seconds = Integer.parseInt(value.text());
      if (seconds < 1 || seconds > MAX_SECONDS) {
        throw value.invalid("expected whole seconds from 1 to " + MAX_SECONDS);
      }
      return seconds;
    } catch (NumberFormatException e) {
      throw value.invalid("expected whole seconds from 1 to " + MAX_SECONDS);
    }
  }

  private static long outputLimit(RawValue value) throws ConfigException {
    long bytes = size(value);
    if (bytes < 1 || bytes > MAX_OUTPUT_LIMIT) {
      throw value.invalid("expected a size from 1 byte to 1g");
    }
    return bytes;
  }

  private static int execTimeoutSeconds(RawValue value) throws ConfigException {
    long max = KernelConnection.MAX_EXEC_TIMEOUT_SECONDS;
    String expectation = "expected whole seconds from 0 (no limit) to " + max;
    try {
      int seconds = Integer.parseInt(value.text());
      if (seconds < 0 || seconds > max) {
        throw value.invalid(expectation);
      }
      return seconds;
    } catch (NumberFormatException e) {
      throw value.invalid(expectation);
    }
  }

  private static long transferSize(RawValue value) throws ConfigException {
    long bytes = size(value);
    if (bytes < 1 || bytes > MAX_TRANSFER_SIZE) {
      throw value.invalid("expected a size from 1 byte to 1g");
    }
    return bytes;
  }

  private static String dockerHost(RawValue value) throws ConfigException {
    String uri = value.text();
    boolean unix = uri.startsWith("unix:///") && uri.length() > "unix:///".length();
    boolean tcp = uri.matches("tcp://[^/\\s:]+:[0-9]{1,5}/?");
    if (!unix && !tcp) {
      throw value.invalid("expected unix:///PATH or tcp://HOST:PORT");
    }
    return uri;
  }

  private static boolean bool(RawValue value) throws ConfigException {
    String text = value.text().toLowerCase(Locale.ROOT);
    if (text.equals("true")) {
      return true;
    }
    if (text.equals("false")) {
      return false;
    }
    throw value.invalid("expected true or false");
  }

  private static long wholeNumber(RawValue value, long min, long max) throws ConfigException {
    String expectation = "expected a whole number from " + min + " to " + max;
    try {
      long number = Long.parseLong(value.text());
      if (number < min || number > max) {
        throw value.invalid(expectation);
      }
      return number;
    } catch (NumberFormatException e) {
      throw value.invalid(expectation);
    }
  }

  private static String logLevel(RawValue value) throws ConfigException {
    String level = value.text().toUpperCase(Locale.ROOT);
    if (!LOG_LEVELS.contains(level)) {
      throw value.invalid("expected one of " + String.join(", ", LOG_LEVELS));
    }
    return level;
  }
}
