/**
 * Workflows (DAGs): the spec a client submits ({@link dev.vireo.api.dag.Workflow}), the service that runs them
 * ({@link dev.vireo.api.dag.DagService}) and what it reports ({@link dev.vireo.api.dag.RunStatus},
 * {@link dev.vireo.api.dag.TaskRecord}). See docs/dag.md.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.api.dag;
