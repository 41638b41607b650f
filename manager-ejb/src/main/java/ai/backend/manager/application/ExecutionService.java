package ai.backend.manager.application;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentReply;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Runs code in a session's kernel through its agent. It keeps no transaction open while it waits
 * for the agent, so a long run never keeps database rows locked.
 */
@Stateless
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class ExecutionService {

  private static final Set<String> MODES =
      Set.of("query", "continue", "input", "batch", "complete");
  private static final Pattern RUN_ID = Pattern.compile("^[A-Za-z0-9._-]{1,64}$");

  @EJB private SessionService sessions;

  @EJB private KernelCalls kernels;

  /** A user's request for one execute call. */
  public record ExecuteRequest(
      String mode, String code, String runId, Map<String, Object> options) {}

  /** Runs one execute call and returns the agent's result. */
  public AgentReply.ExecuteResult execute(Caller caller, String idOrName, ExecuteRequest request)
      throws ManagerException {
    String mode = request.mode() == null ? "query" : request.mode();
    if (!MODES.contains(mode)) {
      throw ManagerException.invalidParameters(
          "invalid mode '" + mode + "': use one of query, continue, input, batch, complete");
    }
    String code = request.code() == null ? "" : request.code();
    int codeBytes = code.getBytes(StandardCharsets.UTF_8).length;
    if (codeBytes > ManagerSettings.maxCodeBytes()) {
      throw ManagerException.invalidParameters(
          "code of "
              + codeBytes
              + " bytes is over the limit of "
              + ManagerSettings.maxCodeBytes()
              + " bytes; upload large programs as files");
    }
    String runId = request.runId();
    if (runId == null || runId.isBlank()) {
      runId = UUID.randomUUID().toString();
    } else if (!RUN_ID.matcher(runId).matches()) {
      throw ManagerException.invalidParameters(
          "invalid runId '" + runId + "': use 1 to 64 letters, digits, '.', '_' or '-'");
    }
    Duration flush = flushTimeout(request.options());

    Map<String, Object> options = withDefaultTimeout(request.options());
    String id = runId;
    AgentReply reply =
        kernels.call(
            caller,
            idOrName,
            (sessionId, kernelId) ->
                new AgentCommand.Execute(
                    sessionId, kernelId, id, mode, code, options, flush.toMillis()),
            flush.plus(ManagerSettings.agentReplyMargin()));
    return KernelCalls.expect(reply, AgentReply.ExecuteResult.class);
  }

  /** Returns the options with the server's default run timeout when the caller set none. */
  private static Map<String, Object> withDefaultTimeout(Map<String, Object> options)
      throws ManagerException {
    Map<String, Object> merged = new java.util.HashMap<>(options == null ? Map.of() : options);
    Object value = merged.get("execTimeout");
    if (value == null) {
      long seconds = ManagerSettings.defaultExecTimeout().toSeconds();
      if (seconds > 0) {
        merged.put("execTimeout", seconds);
      }
      return merged;
    }
    try {
      long seconds = Long.parseLong(value.toString());
      if (seconds < 0 || seconds > 86_400) {
        throw ManagerException.invalidParameters(
            "options.execTimeout " + seconds + " is out of range: use 0 to 86400 seconds");
      }
      merged.put("execTimeout", seconds);
      return merged;
    } catch (NumberFormatException e) {
      throw ManagerException.invalidParameters(
          "options.execTimeout must be a whole number of seconds, not '" + value + "'");
    }
  }

  private static Duration flushTimeout(Map<String, Object> options) throws ManagerException {
    Object value = options == null ? null : options.get("flushTimeout");
    if (value == null) {
      return ManagerSettings.flushTimeout();
    }
    try {
      long millis = Long.parseLong(value.toString());
      if (millis < 100 || millis > 60_000) {
        throw ManagerException.invalidParameters(
            "options.flushTimeout " + millis + " is out of range: use 100 to 60000 milliseconds");
      }
      return Duration.ofMillis(millis);
    } catch (NumberFormatException e) {
      throw ManagerException.invalidParameters(
          "options.flushTimeout must be a number of milliseconds, not '" + value + "'");
    }
  }
}
