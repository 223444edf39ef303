/**
 * Extension point {@code dag}: planners that turn a workflow DAG into an execution plan; extension point {@code dag-store}: where runs keep their state ({@link dev.vireo.api.spi.dag.DagStore}). One of each is active at a time.
 *
 * <p>1.3: planning inputs ({@link dev.vireo.api.spi.dag.PlanningContext#predict}, {@link dev.vireo.api.spi.dag.Sla},
 * costs per task and worker, transfer costs, warm containers, slots) and predicted start and finish per
 * {@link dev.vireo.api.spi.dag.DagPlan.Step}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package dev.vireo.api.spi.dag;
