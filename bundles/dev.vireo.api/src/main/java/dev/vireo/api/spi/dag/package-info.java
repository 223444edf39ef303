/**
 * Extension point {@code dag}: planners that turn a workflow DAG into an execution plan; extension point {@code dag-store}: where runs keep their state ({@link dev.vireo.api.spi.dag.DagStore}). One of each is active at a time.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package dev.vireo.api.spi.dag;
