/**
 * Extension point {@code dag}: planners that turn a workflow DAG into an execution plan. One is active at a time.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.api.spi.dag;
