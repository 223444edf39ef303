package dev.vireo.loadgen;

import dev.vireo.api.cluster.RemoteWorker;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.kernel.time.SystemTime;
import dev.vireo.workload.FunctionData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vireo loadgen characterize}: measures real functions' cold and warm times on a backend of a running worker
 * (or controller) into a function-data file ({@link FunctionData}), which {@code loadgen trace --function-data} maps a
 * trace onto. Per function: {@code --cold} registrations under fresh names, each invoked once (a cold start every
 * time), then one more invoked once and {@code --warm} times after (warm); every registration is removed after. Every
 * call has an empty payload ({@code {}}: the function's default work), as the mapped replay sends.
 */
@Command(name = "characterize", mixinStandardHelpOptions = true,
        description = "Measure functions' cold and warm times on a backend into a function-data file.")
public final class Characterize implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--target", required = true, paramLabel = "HOST:PORT",
            description = "gRPC address of a worker (or of a controller with one worker in service: warm calls must"
                    + " find the same container)")
    String target;

    @Option(names = "--backend", required = true, description = "backend to measure on (process, containerd, docker)")
    String backend;

    @Parameters(paramLabel = "CODE_DIR", arity = "1..*", description = "function code folders (e.g. examples/fb-*)")
    List<Path> code;

    @Option(names = "--handler", defaultValue = "main.handle", description = "handler of every function"
            + " (default: ${DEFAULT-VALUE})")
    String handler;

    @Option(names = "--memory-mb", defaultValue = "256", description = "memory to register each with, 16-65536"
            + " (default: ${DEFAULT-VALUE})")
    int memoryMb;

    @Option(names = "--cold", defaultValue = "3", description = "cold invocations per function, 1-100"
            + " (default: ${DEFAULT-VALUE})")
    int cold;

    @Option(names = "--warm", defaultValue = "10", description = "warm invocations per function, 1-10000"
            + " (default: ${DEFAULT-VALUE})")
    int warm;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "function-data file to write")
    Path out;

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() throws Exception {
        if (memoryMb < FunctionSpec.MIN_MEMORY_MB || memoryMb > FunctionSpec.MAX_MEMORY_MB) {
            throw bad("--memory-mb must be " + FunctionSpec.MIN_MEMORY_MB + "-" + FunctionSpec.MAX_MEMORY_MB);
        }
        if (cold < 1 || cold > 100 || warm < 1 || warm > 10_000) {
            throw bad("--cold must be 1-100 and --warm 1-10000");
        }
        List<String> names = new ArrayList<>();
        for (Path p : code) {
            if (!Files.isDirectory(p)) {
                throw bad("code folder " + p + " does not exist");
            }
            String name = p.toAbsolutePath().normalize().getFileName().toString().toLowerCase(Locale.ROOT)
                    .replaceAll("[^a-z0-9_-]", "-");
            if (!name.matches("[a-z][a-z0-9_-]{0,40}")) {
                throw bad("code folder " + p + ": its name must start with a letter and be at most 41 characters"
                        + " (it names the function)");
            }
            if (names.contains(name)) {
                throw bad("two code folders are named " + name);
            }
            names.add(name);
        }
        SystemTime time = new SystemTime();
        try (RemoteWorker worker = LoadgenCommand.connect(target, time)) {
            oneWorker(worker);
            List<FunctionData.Characterized> measured = new ArrayList<>();
            System.out.printf(Locale.ROOT, "%-16s %12s %12s %14s %8s%n", "function", "cold ms", "warm ms",
                    "cold start ms", "MB");
            for (int i = 0; i < code.size(); i++) {
                FunctionData.Characterized c = measure(worker, names.get(i), code.get(i).toAbsolutePath().normalize());
                measured.add(c);
                System.out.printf(Locale.ROOT, "%-16s %12.1f %12.1f %14.1f %8d%n", c.name(), c.coldMs(), c.warmMs(),
                        c.coldStartMs(), c.memoryMb());
            }
            FunctionData.write(out, measured);
            System.out.println("function data: " + out.toAbsolutePath() + " (replay a trace on them: vireo loadgen"
                    + " trace --backend " + backend + " --function-data " + out + " ...)");
        } finally {
            time.close();
        }
        return 0;
    }

    /** A controller balancing over several workers would send warm calls to other workers' cold containers. */
    private void oneWorker(WorkerService worker) {
        dev.vireo.api.worker.NodeSettings s;
        try {
            s = worker.settings();
        } catch (WorkerException e) {
            return; // a node that does not tell: a worker of an older version
        }
        if (s.role().equals("controller") && s.workers().size() != 1) {
            throw bad("--target " + target + " is a controller with " + s.workers().size() + " workers in service;"
                    + " characterize on one worker (its gRPC address), where warm calls find the same container");
        }
    }

    private FunctionData.Characterized measure(WorkerService worker, String name, Path dir) throws Exception {
        double[] coldMs = new double[cold];
        double[] coldStartMs = new double[cold];
        for (int k = 0; k < cold; k++) {
            String fn = "cz-" + name + "-c" + (k + 1);
            InvocationRecord r = once(worker, fn, dir, ContainerState.COLD);
            coldMs[k] = (r.timings().coldStartUs() + r.timings().executionUs()) / 1_000.0;
            coldStartMs[k] = r.timings().coldStartUs() / 1_000.0;
        }
        String fn = "cz-" + name + "-w";
        double[] warmMs = new double[warm];
        register(worker, fn, dir);
        try {
            call(worker, fn, ContainerState.COLD);
            for (int k = 0; k < warm; k++) {
                warmMs[k] = call(worker, fn, ContainerState.WARM).timings().executionUs() / 1_000.0;
            }
        } finally {
            remove(worker, fn);
        }
        return new FunctionData.Characterized(name, median(coldMs), median(warmMs), memoryMb, median(coldStartMs),
                dir.toString(), handler, backend, cold, warm);
    }

    /** Registers {@code fn}, calls it once (expecting {@code state}) and removes it. */
    private InvocationRecord once(WorkerService worker, String fn, Path dir, ContainerState state) throws Exception {
        register(worker, fn, dir);
        try {
            return call(worker, fn, state);
        } finally {
            remove(worker, fn);
        }
    }

    /** Removes what was registered; a failure to is reported without hiding the error that ended the measurement. */
    private static void remove(WorkerService worker, String fn) {
        try {
            worker.unregister(fn + "-1");
        } catch (RuntimeException e) {
            System.err.println("vireo: could not remove " + fn + "-1 from the target: " + e.getMessage());
        }
    }

    private void register(WorkerService worker, String fn, Path dir) {
        try {
            worker.unregister(fn + "-1"); // a leftover of an interrupted characterization
        } catch (WorkerException e) {
            // none: the usual case
        }
        try {
            worker.register(new FunctionSpec(fn, "1", "", dir.toString(), handler, backend, Compute.CPU, "uds",
                    memoryMb, 1.0, Duration.ofMinutes(5), 1, ExpectedTimings.UNKNOWN));
        } catch (WorkerException e) {
            throw new IllegalArgumentException("the target refused " + dir + " on backend " + backend + ": "
                    + e.getMessage(), e);
        }
    }

    private InvocationRecord call(WorkerService worker, String fn, ContainerState expected) throws Exception {
        InvocationRecord r = worker.invoke("characterize-" + fn, fn + "-1", "{}").toCompletableFuture()
                .get(6, TimeUnit.MINUTES);
        if (!r.success()) {
            throw new IllegalStateException(fn + " failed on " + backend + ": " + r.error().map(e -> e.kind() + ": "
                    + e.message()).orElse("(no error)"));
        }
        ContainerState got = r.state().orElse(null);
        if (got != expected) {
            throw new IllegalStateException(fn + ": a " + expected.name().toLowerCase(Locale.ROOT) + " call was "
                    + (got == null ? "of no container" : got.name().toLowerCase(Locale.ROOT)) + " (is another client"
                    + " using the worker, or a keep-alive policy evicting at once?)");
        }
        return r;
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
