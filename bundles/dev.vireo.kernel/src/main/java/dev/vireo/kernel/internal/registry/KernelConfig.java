package dev.vireo.kernel.internal.registry;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration {@code vireo.kernel} (file {@code configs/vireo.kernel.cfg}): the plugins in force at each extension
 * point. Lists are comma-separated. Each key can be overridden by an environment variable {@code VIREO_KERNEL_<KEY>}
 * (upper case, '.' and '-' as '_'), e.g. {@code VIREO_KERNEL_QUEUE_POLICY=sjf}.
 */
@ObjectClassDefinition(name = "Vireo kernel",
        description = "Which plugin is active at each extension point.")
public @interface KernelConfig {
    String PID = "vireo.kernel";

    @AttributeDefinition(name = "Container backends", description = "Comma-separated backend plugins in force, e.g. containerd, docker, sim.")
    String backends() default "sim, process, containerd, docker";

    @AttributeDefinition(name = "Agent transports", description = "Comma-separated transport plugins in force, e.g. uds, pipe, http.")
    String transports() default "sim, uds, pipe, http, openwhisk";

    @AttributeDefinition(name = "Resource trackers", description = "Comma-separated resource tracker plugins in force, e.g. cpu, memory, gpu.")
    String resources() default "cpu, concurrency, memory, gpu, namespaces";

    @AttributeDefinition(name = "GPU monitors", description = "Comma-separated GPU monitor plugins in force, e.g. nvidia-smi.")
    String gpu_monitors() default "nvidia-smi";

    @AttributeDefinition(name = "Queue policy", description = "The queue policy in force: fcfs, sjf, ...")
    String queue_policy() default "fcfs";

    @AttributeDefinition(name = "Keep-alive policy", description = "The keep-alive (eviction) policy in force: lru, ttl, ...")
    String keepalive_policy() default "lru";

    @AttributeDefinition(name = "Load-balancing policy", description = "The controller's balancing policy: round-robin, least-loaded, ch-bl, least-estimate (or a plugin's name).")
    String balancer_policy() default "round-robin";

    @AttributeDefinition(name = "DAG planner", description = "The workflow planner in force: local (run where the inputs are; the default), heft (earliest finish over workers from predicted costs), critical-path (the critical path at home, the rest spread while the makespan holds), wukong (no profiles: clustering, fan-ins where their inputs are), locality (Cascade-style: components and fused chains placed where the input bytes are). docs/dag.md, Planners.")
    String dag_planner() default "local";

    @AttributeDefinition(name = "DAG store", description = "Where workflow runs keep their state: embedded (this worker's memory), redis, ...")
    String dag_store() default "embedded";
}
