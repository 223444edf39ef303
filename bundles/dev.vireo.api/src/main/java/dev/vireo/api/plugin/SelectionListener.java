package dev.vireo.api.plugin;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told when the effective selection of an extension point changes (console, configuration file, a plugin bundle that
 * came or went). The worker uses it to move queued invocations into the new queue policy so that none is lost.
 *
 * <p>Threading: called on the kernel's thread, after the new selection is in force, one call at a time. Do the work
 * quickly or hand it to the scheduler.
 */
@ConsumerType
@FunctionalInterface
public interface SelectionListener {
    void selectionChanged(ExtensionPoint point, List<String> before, List<String> after);
}
