package dev.vireo.api.worker;

import dev.vireo.api.model.InvocationRecord;
import java.util.Optional;

/**
 * The state of an asynchronous invocation.
 *
 * @param id     the id {@link WorkerService#invokeAsync} returned (the invocation's tid)
 * @param done   whether it finished (successfully or not)
 * @param record its record once done
 */
public record AsyncResult(String id, boolean done, Optional<InvocationRecord> record) {
}
