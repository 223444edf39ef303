package dev.vireo.workload;

import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Timings;
import dev.vireo.api.worker.WorkerException;
import java.util.Locale;
import java.util.concurrent.CompletionException;

/**
 * One invocation as the load generator saw it: the row of {@code records} in the results.
 *
 * @param tid          transaction id (the load generator's, carried through controller and worker)
 * @param function     Vireo function id
 * @param traceFunction the trace's HashFunction, empty outside trace runs
 * @param clients      closed-loop clients at the time (bench and scaling), 0 for an open-loop trace
 * @param scheduledUs  when it was due, from the run's start (open loop), else when it was sent
 * @param sentUs       when it was sent, from the run's start
 * @param clientUs     from sending to the reply, at the load generator
 * @param success      whether the function succeeded
 * @param errorKind    ErrorKind name or gRPC status when it failed, empty on success
 * @param error        the error message
 * @param worker       the worker that served it
 * @param state        cold | warm | prewarm | empty
 * @param queuedUs     worker timings (see the worker's records) ...
 * @param cpuWaitUs    the worker's CPU wait of the invocation's container during the call (run-queue latency), -1
 *                     when not measured (no CPU wait probe on the worker, or the invocation never reached one)
 * @param cpuTimeUs    CPU time the container used during the call (its cgroup), -1 when not measured
 * @param energyUj     energy the worker host's CPU packages drew during the call (RAPL, the host's), -1 when not
 *                     measured
 * @param attempts     workers the controller tried (0 when sent to a worker directly)
 * @param pickUs       controller: choosing the worker
 * @param forwardUs    controller: to the worker and back
 * @param controllerUs controller: end to end
 */
public record Row(String tid, String function, String traceFunction, int clients, long scheduledUs, long sentUs,
        long clientUs, boolean success, String errorKind, String error, String worker, String state, long queuedUs,
        long acquireUs, long coldStartUs, long transportUs, long executionUs, long workerE2eUs, long cpuWaitUs,
        long cpuTimeUs, long energyUj, int attempts, long pickUs, long forwardUs, long controllerUs) {

    /**
     * The row of an answered invocation (a function error is an answer too): the record's worker, state, timings and,
     * through a controller, its routing.
     */
    public static Row of(String tid, String function, String traceFunction, int clients, long scheduledUs, long sentUs,
            long clientUs, InvocationRecord r) {
        var t = r.timings();
        var g = r.routing();
        return new Row(tid, function, traceFunction, clients, scheduledUs, sentUs, clientUs, r.success(),
                r.error().map(x -> x.kind().name()).orElse(""), r.error().map(x -> x.message()).orElse(""), r.worker(),
                r.state().map(s -> s.name().toLowerCase(Locale.ROOT)).orElse(""), t.queuedUs(), t.acquireUs(),
                t.coldStartUs(), t.transportUs(), t.executionUs(), t.e2eUs(), t.cpuWaitUs(), t.cpuTimeUs(), t.energyUj(),
                g.map(x -> x.attempts()).orElse(0),
                g.map(x -> x.pickUs()).orElse(0L), g.map(x -> x.forwardUs()).orElse(0L), g.map(x -> x.e2eUs()).orElse(0L));
    }

    /** The row of an invocation refused or lost on the way: the error's kind ({@code INTERNAL} if untyped). */
    public static Row failure(String tid, String function, String traceFunction, int clients, long scheduledUs,
            long sentUs, long clientUs, Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        String kind = c instanceof WorkerException w ? w.kind().name() : "INTERNAL";
        return new Row(tid, function, traceFunction, clients, scheduledUs, sentUs, clientUs, false, kind,
                String.valueOf(c.getMessage()), "", "", 0, 0, 0, 0, 0, 0, Timings.NOT_MEASURED, Timings.NOT_MEASURED,
                Timings.NOT_MEASURED, 0, 0, 0, 0);
    }

    /** What the platform added as the client saw it: client time minus the function's own execution. */
    public long overheadUs() {
        return Math.max(0, clientUs - executionUs);
    }
}
