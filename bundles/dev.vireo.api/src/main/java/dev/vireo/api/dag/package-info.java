/**
 * Workflows (DAGs): the spec a client submits ({@link dev.vireo.api.dag.Workflow}), the service that runs them
 * ({@link dev.vireo.api.dag.DagService}) and what it reports ({@link dev.vireo.api.dag.RunStatus},
 * {@link dev.vireo.api.dag.TaskRecord}). See docs/dag.md, and docs/api.md "Workflows" for the APIs.
 *
 * <p>1.1: {@link dev.vireo.api.dag.DagService#parse} (the front ends read specs through the service),
 * {@link dev.vireo.api.dag.RunNotFinishedException}, and {@link dev.vireo.api.dag.WorkflowBuilder} (a workflow
 * declared in Java, task by task).
 *
 * <p>1.2: {@link dev.vireo.api.dag.DagService#spec} (a run's workflow as a spec, for its graph).
 *
 * <p>1.3: {@link dev.vireo.api.dag.DagService#submit(Workflow, String, String)} (a run submitted under a given id),
 * {@link dev.vireo.api.dag.DagPeers#service} and {@link dev.vireo.api.dag.DagPeers#worker} (a peer's workflow and
 * worker services: a controller runs a workflow on a worker, a worker runs a task on a peer), a run's plan
 * ({@link dev.vireo.api.dag.DagService#plan}, {@link dev.vireo.api.dag.RunPlan}) and its SLA statistic
 * ({@link dev.vireo.api.dag.Workflow#sla}).
 *
 * <p>1.4: {@link dev.vireo.api.dag.DagService#continueTasks} and
 * {@link dev.vireo.api.dag.DagPeers#start(String, String, java.util.List, java.util.Map)}: a hand-off carries the
 * outputs of the handed tasks' inputs inline.
 *
 * <p>1.5: {@link dev.vireo.api.dag.DagService#runChain}, {@link dev.vireo.api.dag.DagPeers#chain},
 * {@link dev.vireo.api.dag.ChainLink} and {@link dev.vireo.api.dag.ChainStep}: a fused group sent to the peer it runs
 * on in one request (sub-graphs inline).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.5.0")
package dev.vireo.api.dag;
