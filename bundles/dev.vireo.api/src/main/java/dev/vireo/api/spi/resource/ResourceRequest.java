package dev.vireo.api.spi.resource;

import dev.vireo.api.model.Compute;
import java.util.Objects;

/**
 * What one invocation or container asks of the trackers.
 *
 * @param tid        transaction id
 * @param functionId the function
 * @param compute    CPU or GPU
 * @param memoryMb   memory of the container, 0 if no container is created
 * @param cpus       CPU share
 * @param gpus       number of GPUs
 */
public record ResourceRequest(String tid, String functionId, Compute compute, int memoryMb, double cpus, int gpus) {
    public ResourceRequest {
        Objects.requireNonNull(tid, "tid");
        Objects.requireNonNull(functionId, "functionId");
        Objects.requireNonNull(compute, "compute");
        if (memoryMb < 0 || cpus < 0 || gpus < 0) {
            throw new IllegalArgumentException("negative resource request");
        }
    }
}
