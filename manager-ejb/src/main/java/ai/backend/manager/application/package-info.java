/**
 * Use cases of the manager: creating, executing in and destroying sessions, scheduling them onto
 * agents, and keeping the agent registry and keypairs. Each service is an EJB that owns its
 * transactions.
 */
package ai.backend.manager.application;
