package dev.vireo.api.spi.backend;

/**
 * Resource usage of one container.
 *
 * @param memoryBytes     current memory use
 * @param memoryPeakBytes peak memory use since creation
 * @param cpuMicros       CPU time used since creation
 */
public record ContainerUsage(long memoryBytes, long memoryPeakBytes, long cpuMicros) {
    public static final ContainerUsage UNKNOWN = new ContainerUsage(0, 0, 0);
}
