package dev.vireo.probe.rqlat.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration {@code vireo.probe.rqlat} of the CPU wait probe; checked by {@link RqlatOptions#of}. */
@ObjectClassDefinition(name = "Vireo probe: rqlat", description = "Each invocation's CPU wait (run-queue latency of its container) from BPF tp_btf programs.")
public @interface RqlatConfig {
    @AttributeDefinition(name = "Enabled", description = "Measure each invocation's cpu_wait_us. It is on only where the BPF loader and objects are built (bpf/target under vireo.home) and the worker runs as root; otherwise the probe logs once why it is off and records say -1.")
    boolean enabled() default true;

    @AttributeDefinition(name = "Pin directory", description = "Where the loader pins its maps, on a bpf filesystem; the directory is the loader's own (stale pins in it are removed). Empty = /sys/fs/bpf/vireo/<worker name>/rqlat, mounting bpffs at /sys/fs/bpf when it is not one.")
    String pin_dir() default "";

    @AttributeDefinition(name = "Start timeout (ms)", description = "How long the loader may take to load and attach its programs, in milliseconds.", min = "100")
    long start_timeout_ms() default 10_000;
}
