/**
 * Extension point {@code queue}: the order in which admitted invocations leave the worker's queue (fcfs, sjf, edf, mqfq...). One is active at a time; a swap moves every queued invocation into the new queue.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.api.spi.queue;
