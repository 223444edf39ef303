/**
 * Time and work scheduling as services. Core code never reads the wall clock, sleeps or creates threads: it asks a
 * {@link dev.vireo.api.time.Clock} for the time and hands work to a {@link dev.vireo.api.time.TaskScheduler}, so that
 * the same code runs live and on the simulation's virtual clock. A build check (forbidden-apis) enforces this.
 *
 * <p>1.1: {@link dev.vireo.api.time.TaskScheduler#executeBlocking}, for tasks that wait in blocking reads.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package dev.vireo.api.time;
