/**
 * Backend.AI's HMAC-SHA256 request signing, used by the client to sign and by the manager to
 * verify.
 */
package ai.backend.common.auth;
