package ai.backend.manager.application;

import ai.backend.common.protocol.AgentCommand;
import ai.backend.common.protocol.AgentReply;
import ai.backend.manager.domain.model.SessionStatus;
import ai.backend.manager.infrastructure.messaging.AgentRpcClient;
import ai.backend.manager.infrastructure.messaging.AgentRpcClient.AgentCallException;
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
import org.jboss.logging.Logger;

/**
 * Runs code in a session's kernel through its agent. It holds no transaction while it waits for the
 * agent, so a long run never keeps database rows locked.
 */
@Stateless
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class ExecutionService {

  private static final Logger LOG = Logger.getLogger(ExecutionService.class);
  private static final Set<String> MODES =
      Set.of("query", "continue", "input", "batch", "complete");
  private static final Pattern RUN_ID = Pattern.compile("^[A-Za-z0-9._-]{1,64}$");

  @EJB private SessionService sessions;

  @EJB private AgentRpcClient agents;

  /** What a user asks for in one execute call. */
  public record ExecuteRequest(
      String mode, String code, String runId, Map<String, Object> options) {}

  /** Runs one execute call and returns the agent's result. */
  public AgentReply.ExecuteResult execute(String accessKey, String idOrName, ExecuteRequest request)
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

    SessionView session = sessions.find(accessKey, idOrName);
    if (session.status() != SessionStatus.RUNNING) {
      throw ManagerException.invalidState(
          "session "
              + session.name()
              + " is "
              + session.status()
              + ", not RUNNING"
              + (session.statusInfo() == null ? "" : " (" + session.statusInfo() + ")")
              + "; wait until it runs or create a new one");
    }
    String kernelId = session.kernelId().toString();
    String agentId = session.agentId();
    AgentCommand.Execute command =
        new AgentCommand.Execute(
            session.id().toString(),
            kernelId,
            runId,
            mode,
            code,
            request.options(),
            flush.toMillis());
    AgentReply reply;
    try {
      reply = agents.call(agentId, command, flush.plus(ManagerSettings.agentReplyMargin()));
    } catch (AgentCallException e) {
      throw ManagerException.agentFailed(e.isTimedOut() ? 504 : 502, e.getMessage());
    }
    if (reply instanceof AgentReply.CommandFailed failed) {
      LOG.warnf(
          "Agent %s could not execute run %s in kernel %s of session %s: %s (%s)",
          agentId, runId, kernelId, session.id(), failed.message(), failed.code());
      int status = "kernel-busy".equals(failed.code()) ? 409 : 502;
      throw ManagerException.agentFailed(status, failed.message());
    }
    return (AgentReply.ExecuteResult) reply;
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
