package dev.vireo.api.dag;

import java.util.Objects;

/**
 * A task declared with a {@link WorkflowBuilder}: put {@link #ref()} in another task's args to pass it this task's
 * output, or give it to {@link WorkflowBuilder#map} to run a function once per element of its output. Immutable.
 */
public final class TaskRef {
    private final WorkflowBuilder owner;
    private final String id;

    TaskRef(WorkflowBuilder owner, String id) {
        this.owner = owner;
        this.id = Objects.requireNonNull(id, "id");
    }

    /** The task id. */
    public String id() {
        return id;
    }

    /** The JSON text {@code {"$ref":"<id>"}}, which the run replaces with this task's output. */
    public String ref() {
        return "{\"$ref\":" + WorkflowBuilder.quote(id) + "}";
    }

    WorkflowBuilder owner() {
        return owner;
    }

    /** The same as {@link #ref()}, so that a reference can be concatenated into args text. */
    @Override
    public String toString() {
        return ref();
    }
}
