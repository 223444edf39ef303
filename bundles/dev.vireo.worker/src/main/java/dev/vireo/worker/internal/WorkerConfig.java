package dev.vireo.worker.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration {@code vireo.worker} (file {@code configs/vireo.worker.cfg}). */
@ObjectClassDefinition(name = "Vireo worker", description = "Admission, queueing and container pool of one worker.")
public @interface WorkerConfig {
    @AttributeDefinition(name = "Name", description = "The worker's name in records, metrics and the cluster: lower-case letters, digits and '-'. Read at start: a change applies after a restart (every other option applies at once).")
    String name() default "worker-1";

    @AttributeDefinition(name = "Queue capacity", description = "Invocations that may wait; one more is rejected as overloaded (HTTP 429).", min = "1", max = "1000000")
    int queue_capacity() default 10_000;

    @AttributeDefinition(name = "Async retention (ms)", description = "How long the result of an async invocation is kept after it finished, in milliseconds.", min = "1000")
    long async_retention_ms() default 300_000;

    @AttributeDefinition(name = "Keep-alive check (ms)", description = "How often expired idle containers are evicted, in milliseconds.", min = "10")
    long keepalive_check_ms() default 1_000;

    @AttributeDefinition(name = "Memory sample (ms)", description = "How often the memory of containers in a running invocation is read from their cgroups, in milliseconds (every container is also read after each invocation; idle containers never).", min = "10")
    long memory_sample_ms() default 1_000;

    @AttributeDefinition(name = "Memory pressure (% free)", description = "When the host's available memory (MemAvailable) falls below this percentage of its total, idle containers are evicted in keep-alive order until it is above again; 0 = off.", min = "0", max = "90")
    int memory_pressure_free_percent() default 5;

    @AttributeDefinition(name = "Code roots", description = "Comma-separated absolute directories a registration's code directory must lie inside (after links and '..' are resolved); a root this host lacks allows nothing. The Vireo home (framework property vireo.home: its examples/) is always one.")
    String code_roots() default "/tmp,/var/tmp,/home,/srv,/opt";

    @AttributeDefinition(name = "Activations kept", description = "The activation log (GET /activations, ./vireo fn activations) keeps at most this many records of finished invocations, with their stdout and stderr; 0 keeps none.", min = "0", max = "10000000")
    int activations_max() default 10_000;

    @AttributeDefinition(name = "Activation log size (bytes)", description = "The activation log holds at most this many bytes (results, outputs and messages counted as UTF-16, plus 512 per record); past it the oldest go.", min = "0")
    long activations_max_bytes() default 64L * 1024 * 1024;

    @AttributeDefinition(name = "Activation retention (ms)", description = "How many milliseconds a record stays in the activation log after its invocation finished.", min = "1000")
    long activations_retention_ms() default 3_600_000;

    @AttributeDefinition(name = "Trace every invocation", description = "Start a trace for every invocation that arrives without a traceparent (one that brings one is traced when its sampled flag is set), while a span exporter (vireo.tracing.otlp) runs. false: only what callers trace.")
    boolean trace_all() default false;

    @AttributeDefinition(name = "Keep state", description = "Store every registration (<vireo.run.dir>/state/functions, one ID.properties each) and every async invocation until its result expires (state/async) and take them back when the worker starts (after a stop, a crash or kill -9): functions are registered again, finished async results answer again, and ones a stop cut off answer CANCELLED. false: a start begins empty. Read at start. Off where the framework has no vireo.run.dir (embedded tests, the simulation).")
    boolean state_persist() default true;

    @AttributeDefinition(name = "Maximum functions", description = "Registered functions at most.", min = "1")
    int max_functions() default 100_000;

    @AttributeDefinition(name = "RAPL folder", description = "The powercap folder whose RAPL package zones give each invocation the energy the CPU packages drew during its call (energy_uj); empty = none. A host without RAPL measures nothing (-1).")
    String energy_rapl_dir() default "/sys/class/powercap";
}
