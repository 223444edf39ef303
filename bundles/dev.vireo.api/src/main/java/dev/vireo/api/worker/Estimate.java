package dev.vireo.api.worker;

import dev.vireo.api.model.ContainerState;
import java.util.Objects;

/**
 * How long an invocation of a function would take if it were sent now, as the worker predicts it by running its
 * present state forward: the invocations waiting (in its queue policy's order, the same policy code), those running
 * (each ending after its expected execution), its idle containers and free resources. Expected times are the
 * worker's moving averages of the function's executions and cold starts, else the registration's expected timings.
 *
 * @param functionId  the function asked about
 * @param worker      the worker that would run it (a controller answers with its best worker)
 * @param state       whether it would find a warm container or start a cold one
 * @param queueUs     how long it would wait in the queue
 * @param coldStartUs its cold start (0 when warm)
 * @param executionUs its execution
 * @param e2eUs       arrival to reply: queue, cold start and execution (the API hop not counted)
 * @param ahead       invocations that would start before it
 * @param running     invocations running when asked
 * @since 1.4
 */
public record Estimate(String functionId, String worker, ContainerState state, long queueUs, long coldStartUs,
        long executionUs, long e2eUs, int ahead, int running) {
    public Estimate {
        Objects.requireNonNull(functionId, "functionId");
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(state, "state");
    }

    /** The same estimate as answered by {@code worker} (a controller names the worker it chose). */
    public Estimate on(String worker) {
        return new Estimate(functionId, worker, state, queueUs, coldStartUs, executionUs, e2eUs, ahead, running);
    }
}
