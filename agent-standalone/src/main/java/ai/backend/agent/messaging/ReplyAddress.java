package ai.backend.agent.messaging;

import jakarta.jms.Destination;

/**
 * The destination and correlation id that a reply to one request carries.
 *
 * @param destination the request's {@code JMSReplyTo}, or {@code null} when it had none
 * @param correlationId the request's {@code JMSCorrelationID}, or its {@code JMSMessageID} when it
 *     had none
 */
public record ReplyAddress(Destination destination, String correlationId) {}
