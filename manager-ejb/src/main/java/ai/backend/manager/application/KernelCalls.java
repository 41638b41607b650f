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
import java.time.Duration;
import java.util.function.BiFunction;
import org.jboss.logging.Logger;

/**
 * Request-reply calls to the agent of a RUNNING session of the caller: execute, interrupt, restart,
 * files and logs. It keeps no transaction open while it waits for the agent.
 */
@Stateless
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class KernelCalls {

  private static final Logger LOG = Logger.getLogger(KernelCalls.class);

  @EJB private SessionService sessions;

  @EJB private AgentRpcClient agents;

  /**
   * Sends a command built from the session and kernel ids to the session's agent and returns its
   * reply; a {@code command_failed} reply becomes a {@link ManagerException}.
   *
   * @param command builds the command from the session id and the kernel id
   * @param timeout how long to wait for the agent's reply
   */
  public AgentReply call(
      Caller caller,
      String idOrName,
      BiFunction<String, String, AgentCommand> command,
      Duration timeout)
      throws ManagerException {
    SessionView session = sessions.find(caller, idOrName);
    if (session.status().isFinal()) {
      throw ManagerException.invalidState(
          "session "
              + session.name()
              + " has ended ("
              + session.status()
              + (session.statusInfo() == null ? "" : ": " + session.statusInfo())
              + "); create a new session");
    }
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
    AgentCommand request = command.apply(session.id().toString(), session.kernelId().toString());
    // Activity before and after: a long run must not look idle when it ends.
    sessions.recordActivity(session.id());
    AgentReply reply;
    try {
      reply = agents.call(session.agentId(), request, timeout);
    } catch (AgentCallException e) {
      throw ManagerException.agentFailed(e.isTimedOut() ? 504 : 502, e.getMessage());
    } finally {
      sessions.recordActivity(session.id());
    }
    if (reply instanceof AgentReply.CommandFailed failed) {
      LOG.warnf(
          "Agent %s failed %s for kernel %s of session %s: %s (%s)",
          session.agentId(),
          request.getClass().getSimpleName(),
          session.kernelId(),
          session.id(),
          failed.message(),
          failed.code());
      throw failure(failed);
    }
    return reply;
  }

  private static ManagerException failure(AgentReply.CommandFailed failed) {
    String code = failed.code() == null ? "" : failed.code();
    return switch (code) {
      case "kernel-busy" -> ManagerException.kernelBusy(failed.message());
      case "invalid-path", "unsupported-mode", "invalid-command", "run-not-found" ->
          ManagerException.invalidParameters(failed.message());
      case "too-large" ->
          new ManagerException(413, "request-too-large", "Request too large", failed.message());
      case "file-not-found" ->
          new ManagerException(404, "file-not-found", "No such file", failed.message());
      default -> ManagerException.agentFailed(502, failed.message());
    };
  }

  /** Casts a reply to the type the command promises, or fails as an agent error. */
  public static <T extends AgentReply> T expect(AgentReply reply, Class<T> type)
      throws ManagerException {
    if (!type.isInstance(reply)) {
      throw ManagerException.agentFailed(
          502,
          "the agent sent "
              + reply.getClass().getSimpleName()
              + " where "
              + type.getSimpleName()
              + " was expected");
    }
    return type.cast(reply);
  }
}
