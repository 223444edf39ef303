package dev.vireo.kernel.internal.registry;

import dev.vireo.api.plugin.ExtensionPoint;

/**
 * One registered plugin service.
 *
 * @param serviceId   the OSGi service id (unique, increasing: the earlier registration of a name wins)
 * @param service     the service object
 */
record Plugin(ExtensionPoint point, String name, String description, String bundle, long serviceId, Object service) {
}
