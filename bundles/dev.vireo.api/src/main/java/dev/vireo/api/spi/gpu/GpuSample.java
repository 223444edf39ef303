package dev.vireo.api.spi.gpu;

import java.util.Objects;

/**
 * One GPU at one moment.
 *
 * @param index          device index
 * @param name           device name
 * @param utilisationPct compute utilisation, 0-100
 * @param memoryUsedMb   memory in use
 * @param memoryTotalMb  memory in all
 */
public record GpuSample(int index, String name, double utilisationPct, long memoryUsedMb, long memoryTotalMb) {
    public GpuSample {
        name = Objects.requireNonNullElse(name, "");
    }
}
