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
 * @param expectedUs (since 1.2) the invocation's expected execution in microseconds (the function's moving average
 *                   of executions on this worker, else its registered expected warm time), 0 when unknown or for a
 *                   container; what a tracker that orders by remaining time (cpu-groups, order {@code srt}) uses
 */
public record ResourceRequest(String tid, String functionId, Compute compute, int memoryMb, double cpus, int gpus,
        int slots, long expectedUs) {
    /** A request with no expected execution (as before 1.2). */
    public ResourceRequest(String tid, String functionId, Compute compute, int memoryMb, double cpus, int gpus,
            int slots) {
        this(tid, functionId, compute, memoryMb, cpus, gpus, slots, 0);
    }

    public ResourceRequest {
        Objects.requireNonNull(tid, "tid");
        Objects.requireNonNull(functionId, "functionId");
        Objects.requireNonNull(compute, "compute");
        if (memoryMb < 0 || cpus < 0 || gpus < 0 || slots < 0 || expectedUs < 0) {
            throw new IllegalArgumentException("negative resource request");
        }
    }
}
