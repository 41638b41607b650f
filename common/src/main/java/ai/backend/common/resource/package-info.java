/** Resource slots ({@code cpu}, {@code mem}, ...) and their arithmetic. */
package ai.backend.common.resource;
