/**
 * A cluster of workers behind a controller: workers join the controller ({@link dev.vireo.api.cluster.ClusterService}),
 * and the controller reaches each worker through a {@link dev.vireo.api.cluster.WorkerConnector}, which gives it a
 * {@link dev.vireo.api.worker.WorkerService} for a worker's address (gRPC live, an in-process worker in simulation).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.api.cluster;
