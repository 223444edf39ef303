/**
 * The live time services: {@link dev.vireo.kernel.time.SystemTime}, the real {@code Clock} and {@code TaskScheduler}.
 * Inside the framework it is a DS component; exported so that tools outside the framework (the load generator's live
 * replay) run the same code on the same time services.
 */
@Export
@Version("1.0.0")
package dev.vireo.kernel.time;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
