/**
 * Simulated agents for scheduling tests and benchmarks, run with {@code bai-agent --simulate}. One
 * JVM runs many of them. Each talks to the broker like a real agent, with the same messaging code,
 * and keeps the same slot accounting, but it starts no container and runs no code. A kernel reports
 * started after a fixed delay, and execute calls return a result stating that the code was not run.
 */
package ai.backend.agent.simulation;
