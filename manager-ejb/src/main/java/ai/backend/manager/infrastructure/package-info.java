/**
 * Adapters to the technology the manager runs on: schema migrations, Artemis messaging, and the
 * master key that protects stored secrets.
 */
package ai.backend.manager.infrastructure;
