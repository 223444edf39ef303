package dev.vireo.resource.cpugroups.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** Configuration {@code vireo.resource.cpugroups} of the {@code cpu-groups} tracker; checked by {@link CpuGroupsOptions#of}. */
@ObjectClassDefinition(name = "Vireo resource: cpu-groups", description = "CPU groups for running invocations.")
public @interface CpuGroupsConfig {
    @AttributeDefinition(name = "Groups", description = "The CPU groups, separated by ';', each a kernel CPU list, e.g. 0-1;2-3 (two groups of two CPUs) or 0;1. Groups must not share a CPU. Empty = one group per online CPU.")
    String groups() default "";

    @AttributeDefinition(name = "Group concurrency", description = "Invocations one group runs at once, at most.", min = "1", max = "1024")
    int group_concurrency() default 1;

    @AttributeDefinition(name = "Max in flight", description = "Invocations holding a group at once, at most, from leaving the queue to their end; 0 = the number of groups x group.concurrency.", min = "0")
    int max_in_flight() default 0;

    @AttributeDefinition(name = "Function groups", description = "Which groups a function's invocations may get: entries PATTERN=G[,G...] separated by ';', PATTERN a function id or an id prefix ending in '*' (e.g. hog-*=0; web-1=1); the first match decides; unmatched functions may get any group. Empty = any function, any group.")
    String function_groups() default "";

    @AttributeDefinition(name = "Time slice (us)", description = "Time slice of a group's tasks in microseconds (sched-ext mode): one value for every group, or one per group separated by ';'.")
    String slice_us() default "5000";

    @AttributeDefinition(name = "Order", description = "How a group's tasks take turns (sched-ext mode): fifo, arrival (oldest invocation first) or srt (shortest remaining time first); one for every group, or one per group separated by ';'.")
    String order() default "fifo";

    @AttributeDefinition(name = "Weight", description = "CPU weight of a group's containers against everything else on the host while they are in it (cpuset mode, and sched-ext's cpuset fallback; sched-ext itself ignores it), in cgroup v2 units: 1-10000, 100 = one plain task's (written as cpu.weight, or cpu.shares = weight x 1024 / 100 on cgroup v1); 0 = the container's own. One value for every group, or one per group separated by ';'.")
    String weight() default "0";

    @AttributeDefinition(name = "Idle containers", description = "Where a container is between invocations (cpuset mode, and sched-ext's cpuset fallback): keep (it stays in the group of its last invocation; the next invocation in the same group writes nothing, one in another group moves it) or restore (its own cpuset.cpus and weight are written back after each invocation). sched-ext mode always unmaps a container after its last invocation.", options = {@Option(label = "keep", value = "keep"), @Option(label = "restore", value = "restore")})
    String idle() default "keep";

    @AttributeDefinition(name = "Mode", description = "How groups are enforced: cpuset (writes each container's cpuset.cpus; any kernel) or sched-ext (the sched_ext BPF scheduler of bpf/: CPUs, time slice and order per group; falls back to cpuset where the kernel has no sched_ext).", options = {@Option(label = "cpuset", value = "cpuset"), @Option(label = "sched-ext", value = "sched-ext")})
    String mode() default "cpuset";
}
