package dev.vireo.api.spi.dag;

import dev.vireo.api.model.FunctionStats;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What a planner may know when it plans a run: the workers, what each function is predicted to take (in the run's
 * {@link Sla} statistic), what moving data between workers costs, and where containers are warm. The cost methods
 * have defaults built on {@link #predict(String)}, so that a context only needs the predictions; a test (or a richer
 * runtime) may override them per task and worker (heterogeneous workers, per-edge data).
 *
 * <p>Threading: safe from any thread.
 */
@ProviderType
public interface PlanningContext {
    /** Transfer cost when nothing is measured: about 100 MB/s between two workers (loopback gRPC on these hosts). */
    double DEFAULT_TRANSFER_US_PER_BYTE = 0.01;
    /** Latency of one hop between workers when nothing is measured, microseconds. */
    long DEFAULT_HOP_US = 300;

    /** The worker's statistics of a function (exponential moving averages), or null if it has none. */
    FunctionStats stats(String functionId);

    /** Names of the workers a plan may use; the first is the one the run lives on (its home). */
    List<String> workers();

    /** The worker the run lives on: where tasks run when the plan names none. @since 1.3 */
    default String home() {
        return workers().get(0);
    }

    /** The statistic predictions are made in. @since 1.3 */
    default Sla sla() {
        return Sla.DEFAULT;
    }

    /**
     * What the function is predicted to take. The default reads the worker's statistics (means only: the SLA's
     * percentile needs a history, which the runtime's context provides).
     *
     * @since 1.3
     */
    default Prediction predict(String functionId) {
        FunctionStats s = stats(functionId);
        if (s == null || s.invocations() == 0) {
            return new Prediction(functionId, 0, 0, 0, 0, 0);
        }
        long exec = (long) (s.executionUs() > 0 ? s.executionUs() : s.warmUs());
        return new Prediction(functionId, exec, (long) s.coldStartUs(), (long) Math.max(0, s.warmUs() - exec), 0,
                (int) Math.min(Integer.MAX_VALUE, s.invocations()));
    }

    /** Microseconds per byte moved between two workers. @since 1.3 */
    default double transferUsPerByte() {
        return DEFAULT_TRANSFER_US_PER_BYTE;
    }

    /** Invocations the worker runs at once. @since 1.3 */
    default int slots(String worker) {
        return 1;
    }

    /** Whether the worker has a warm container of the function now. @since 1.3 */
    default boolean warm(String worker, String functionId) {
        return false;
    }

    /** Execution of a task on a worker (the default: its function's prediction, the same on every worker). @since 1.3 */
    default long executionUs(DagSpec.Task task, String worker) {
        return predict(task.functionId()).executionUs();
    }

    /** What starting the task's invocation on the worker adds: warm or cold. @since 1.3 */
    default long startUs(DagSpec.Task task, String worker) {
        Prediction p = predict(task.functionId());
        return warm(worker, task.functionId()) ? p.warmStartUs() : p.coldStartUs() + p.warmStartUs();
    }

    /**
     * Moving the output of {@code from} (run on {@code fromWorker}) to {@code to} (on {@code toWorker}): nothing on
     * the same worker, else a hop plus its predicted bytes at {@link #transferUsPerByte()}. @since 1.3
     */
    default long transferUs(DagSpec.Task from, DagSpec.Task to, String fromWorker, String toWorker) {
        if (fromWorker.equals(toWorker)) {
            return 0;
        }
        return DEFAULT_HOP_US + (long) (predict(from.functionId()).outputBytes() * transferUsPerByte());
    }
}
