/**
 * The manager's domain: sessions and their kernels, the agents that run them, kernel images and
 * keypairs, with the rules about their states. Nothing here depends on HTTP or JMS.
 */
package ai.backend.manager.domain;
