package ai.backend.agent.docker;

import java.util.Map;

/**
 * A local image.
 *
 * @param name its first repository tag, or its id when it has no tag
 */
public record ImageSummary(String name, String id, long sizeBytes, Map<String, String> labels) {}
