package ai.backend.agent.messaging;

import ai.backend.common.protocol.AgentCommand;

/** Receives parsed commands from the agent's queue; it must return quickly. */
@FunctionalInterface
public interface CommandListener {

  /**
   * Handles one command.
   *
   * @param replyAddress where a request-reply command's reply goes; its destination is {@code null}
   *     when the message had no {@code JMSReplyTo}
   */
  void onCommand(AgentCommand command, ReplyAddress replyAddress);
}
