/**
 * Workflows (DAGs): the spec a client submits ({@link dev.vireo.api.dag.Workflow}), the service that runs them
 * ({@link dev.vireo.api.dag.DagService}) and what it reports ({@link dev.vireo.api.dag.RunStatus},
 * {@link dev.vireo.api.dag.TaskRecord}); {@link dev.vireo.api.dag.WorkflowBuilder} declares a workflow in Java.
 * See docs/dag.md.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.vireo.api.dag;
