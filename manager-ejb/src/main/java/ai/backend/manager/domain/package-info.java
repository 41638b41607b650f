/**
 * The manager's domain: sessions and their kernels, the agents that run them, kernel images and
 * keypairs, with the rules about their states. Nothing here knows about HTTP or JMS.
 */
package ai.backend.manager.domain;
