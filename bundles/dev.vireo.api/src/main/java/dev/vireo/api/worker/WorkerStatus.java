package dev.vireo.api.worker;

import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.spi.resource.ResourceUsage;
import java.util.List;
import java.util.Map;

/**
 * A worker's state at one moment.
 *
 * @param name              worker name
 * @param queued            invocations waiting
 * @param queueCapacity     the admission limit of the queue
 * @param running           invocations running
 * @param functions         registered functions
 * @param containersRunning containers serving at least one invocation
 * @param containersIdle    warm idle containers (cached)
 * @param memoryRunningMb   memory of running containers
 * @param memoryCachedMb    memory of idle containers
 * @param memoryRunningUsedMb memory busy containers were measured to use (their cgroups, read during and after
 *                    invocations; never by polling idle containers); 0 where the backend cannot tell
 * @param memoryCachedUsedMb  the same for idle containers, as last measured after their last invocation
 * @param memoryLimitMb     the container pool's memory limit
 * @param backends          containers per backend
 * @param policies          plugin in force per single extension point (queue, keepalive)
 * @param resources         every resource tracker's usage
 * @param stats             per-function statistics
 */
public record WorkerStatus(String name, int queued, int queueCapacity, int running, int functions,
        int containersRunning, int containersIdle, long memoryRunningMb, long memoryCachedMb,
        long memoryRunningUsedMb, long memoryCachedUsedMb, long memoryLimitMb,
        Map<String, Integer> backends, Map<String, String> policies, List<ResourceUsage> resources,
        Map<String, FunctionStats> stats) {
    public WorkerStatus {
        backends = Map.copyOf(backends);
        policies = Map.copyOf(policies);
        resources = List.copyOf(resources);
        stats = Map.copyOf(stats);
    }
}
