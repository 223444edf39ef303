package dev.vireo.controller.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration {@code vireo.controller} (file {@code configs/vireo.controller.cfg}); checked and turned into values by
 * {@link ControllerOptions#of}, which also says what a change does at runtime.
 */
@ObjectClassDefinition(name = "Vireo controller", description = "Worker membership, heartbeats and retries of the controller.")
public @interface ControllerConfig {
    @AttributeDefinition(name = "Name", description = "The controller's name in records (routing.controller); a change takes effect when the controller restarts.")
    String name() default "controller";

    @AttributeDefinition(name = "Heartbeat (ms)", description = "How often every worker's status is polled, in milliseconds.", min = "10")
    long heartbeat_ms() default 500;

    @AttributeDefinition(name = "Missed heartbeats", description = "Heartbeats a worker may miss in a row before it is taken out.", min = "1")
    int missed_heartbeats() default 3;

    @AttributeDefinition(name = "Retry", description = "Whether an invocation whose worker stopped answering is retried once on another worker (at-least-once); false fails it with UNREACHABLE (at-most-once).")
    boolean retry() default true;

    @AttributeDefinition(name = "Workers", description = "Workers to add at start, as name=host:port, comma-separated (workers can also join by themselves: vireo.worker.join); one added later joins, one removed leaves.")
    String workers() default "";
}
