package dev.vireo.dag.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Vireo workflows", description = "The workflow runtime on this worker (pid vireo.dag).")
public @interface DagConfig {
    @AttributeDefinition(name = "Maximum output (bytes)", description = "Largest output a task may return, in bytes; a larger one fails the task (USER_ERROR).", min = "1")
    int max_output_bytes() default 16 * 1024 * 1024;

    @AttributeDefinition(name = "Retention (ms)", description = "How long a finished run (its records, the outputs of its sinks, and all outputs of a failed or cancelled run, for --resume) is kept, in milliseconds.", min = "1000")
    long retention_ms() default 3_600_000;

    @AttributeDefinition(name = "Sweep interval (ms)", description = "How often runs past their retention are removed, in milliseconds.", min = "100")
    long sweep_ms() default 60_000;

    @AttributeDefinition(name = "Platform retries", description = "Retries of an invocation that failed because the platform could not run it (UNREACHABLE: its worker went away; OVERLOADED; NO_RESOURCES), whatever the task's own retries; through a controller the retry may go to another worker.", min = "0", max = "100")
    int platform_retries() default 3;

    @AttributeDefinition(name = "Platform backoff (ms)", description = "Wait before the first platform retry, doubled for each next one, in milliseconds.", min = "0")
    long platform_backoff_ms() default 50;

    @AttributeDefinition(name = "Recovery (ms)", description = "How often a controller looks for tasks of runs in a shared store that were running on a worker no longer in service (or made ready and never started), and hands them to another; and for runs in a worker's memory whose worker left, which start again on another; in milliseconds.", min = "10")
    long recovery_ms() default 2_000;

    @AttributeDefinition(name = "Plans directory", description = "Where pre-schedules (plans made for a graph, reused for the same graph and statistics) and the task history they were predicted from are kept, so that they outlive a restart: an absolute directory; empty = <run directory>/dag-plans when the node has one (an instance started by ./vireo), else memory only; 'none' = memory only. Read at start.")
    String plans_dir() default "";
}
