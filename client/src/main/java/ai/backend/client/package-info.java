/**
 * Java SDK for the Backend.AI manager's REST API.
 *
 * <p>{@link ai.backend.client.BackendClientConfig} finds the endpoint and the API keypair, and
 * {@link ai.backend.client.BackendClient} signs each request with {@link
 * ai.backend.common.auth.RequestSignature} and maps responses to the records of this package.
 */
package ai.backend.client;
