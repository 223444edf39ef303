package dev.vireo.api.spi.resource;

import dev.vireo.api.model.Compute;
import java.util.Objects;

/**
 * What one invocation (slots = 1, cpus) or one new container (memory, gpus) asks of the trackers. Each tracker takes
 * the part it tracks and grants zero for the rest.
 *
 * @param tid        transaction id
 * @param functionId the function
 * @param compute    CPU or GPU
 * @param memoryMb   memory of the container, 0 if no container is created
 * @param cpus       CPU share
 * @param gpus       number of GPUs
 * @param slots      invocation slots: 1 when an invocation is about to run, 0 when a container is created
 */
public record ResourceRequest(String tid, String functionId, Compute compute, int memoryMb, double cpus, int gpus,
        int slots) {
    public ResourceRequest {
        Objects.requireNonNull(tid, "tid");
        Objects.requireNonNull(functionId, "functionId");
        Objects.requireNonNull(compute, "compute");
        if (memoryMb < 0 || cpus < 0 || gpus < 0 || slots < 0) {
            throw new IllegalArgumentException("negative resource request");
        }
    }
}
