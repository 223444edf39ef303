package dev.vireo.api.dag;

import dev.vireo.api.model.InvocationRecord;
import java.util.Objects;

/**
 * What one link of a chain ({@link DagService#runChain}) did on the peer that ran it.
 *
 * @param task        the link's task
 * @param record      its invocation's record; its result is empty when the output stayed on the peer
 * @param returned    whether the output is in the record (asked for, or needed by the home to go on from a link that
 *                    did not run or failed); a failed link's record has its error
 * @param outputBytes the size of the output in UTF-8 bytes, returned or not (0 when it failed)
 * @since 1.5
 */
public record ChainStep(String task, InvocationRecord record, boolean returned, long outputBytes) {
    public ChainStep {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(record, "record");
    }
}
