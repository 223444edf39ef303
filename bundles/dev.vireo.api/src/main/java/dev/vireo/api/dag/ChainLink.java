package dev.vireo.api.dag;

import java.util.List;
import java.util.Objects;

/**
 * One task of a chain that a run's home sends to a peer in one request ({@link DagService#runChain}): the peer runs
 * the links one after the other on its own worker, each link's payload built there from its {@code args} and the
 * outputs of the earlier links it reads, so those outputs never cross the network.
 *
 * @param tid        the transaction id of the link's invocation (as the home would give it)
 * @param task       the task's id in its run
 * @param functionId the function to invoke
 * @param args       the task's args (JSON text, {@code {"$ref": "task"}} objects included), or empty for none
 * @param inputs     the tasks whose outputs it reads: each is an earlier link of the chain (none for the first link,
 *                   whose payload comes with the request)
 * @param returned   whether the home wants the output back (a task outside the chain reads it, or it is a sink);
 *                   else it stays on the peer
 * @since 1.5
 */
public record ChainLink(String tid, String task, String functionId, String args, List<String> inputs,
        boolean returned) {
    public ChainLink {
        Objects.requireNonNull(tid, "tid");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(functionId, "functionId");
        args = Objects.requireNonNullElse(args, "");
        inputs = List.copyOf(Objects.requireNonNullElse(inputs, List.of()));
    }
}
