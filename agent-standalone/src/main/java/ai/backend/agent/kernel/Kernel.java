package ai.backend.agent.kernel;

import ai.backend.common.resource.ResourceSlots;

/**
 * A kernel whose container runs on this agent and whose runner reported ready.
 *
 * @param slots the resources its container is limited to
 */
public record Kernel(
    String sessionId,
    String kernelId,
    String containerId,
    String ipAddress,
    ResourceSlots slots,
    KernelConnection connection) {}
