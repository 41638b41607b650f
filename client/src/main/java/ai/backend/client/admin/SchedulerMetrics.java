package ai.backend.client.admin;

/**
 * Totals of the scheduler's placement passes on the manager node that handled {@code GET
 * /admin/scheduler}, since that node started. Each node counts its own passes, so behind a load
 * balancer the totals differ from call to call.
 *
 * @param passes the number of placement passes, each over the pending sessions of one scaling group
 * @param placed the number of sessions placed on agents
 * @param pendingTimeouts the number of sessions cancelled after the pending timeout of their
 *     scaling group
 * @param passMillis the total time spent in passes, in milliseconds
 * @param statements the number of SQL statements the passes sent
 * @param statementsPerPlacement {@code statements / placed} rounded to two decimals, or null when
 *     no session was placed
 */
public record SchedulerMetrics(
    long passes,
    long placed,
    long pendingTimeouts,
    long passMillis,
    long statements,
    Double statementsPerPlacement) {}
