package dev.vireo.api.spi.backend;

import dev.vireo.api.model.Compute;
import java.util.Objects;
import java.util.Set;

/**
 * What a backend's probe found.
 *
 * @param available  whether containers can be created now
 * @param reason     why not, with what to install or start; or a short description of the runtime when available
 * @param compute    the kinds of compute it can run
 * @param containers containers it currently holds
 */
public record BackendStatus(boolean available, String reason, Set<Compute> compute, int containers) {
    public BackendStatus {
        reason = Objects.requireNonNullElse(reason, "");
        compute = Set.copyOf(Objects.requireNonNullElse(compute, Set.of()));
    }
}
