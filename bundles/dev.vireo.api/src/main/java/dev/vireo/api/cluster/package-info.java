/**
 * A cluster of workers behind a controller: workers join the controller ({@link dev.vireo.api.cluster.ClusterService}),
 * and the controller reaches each worker through a {@link dev.vireo.api.cluster.WorkerConnector}, which gives it a
 * {@link dev.vireo.api.worker.WorkerService} for a worker's address (gRPC live, an in-process worker in simulation).
 * Every node of a cluster knows its members ({@link dev.vireo.api.cluster.ClusterMembers}): the controller its own,
 * a worker what its controller lists.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.vireo.api.cluster;
