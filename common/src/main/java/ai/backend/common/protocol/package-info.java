/**
 * Messages between the manager and its agents over Jakarta Messaging: JSON objects with a {@code
 * type} field, carried as text messages. The destinations are named in {@link Destinations}.
 */
package ai.backend.common.protocol;
