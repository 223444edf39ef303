package dev.vireo.cli.command;

import com.google.gson.JsonObject;
import dev.vireo.bench.SoakBench;
import dev.vireo.cli.CliException;
import dev.vireo.cli.Home;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vireo bench soak}: a fresh worker of its own creates and destroys many simulated and real containers while it
 * serves invocations ({@link SoakBench}); its CPU per invocation, RSS, threads and open files at the end against the
 * start (none may grow by more than 10 %). The worker's memory admits the serving containers and one per churn slot,
 * so every churn invocation starts a container and evicts one.
 */
@Command(name = "soak", description = {"Creates and destroys many simulated, then real, containers on one worker while"
        + " it serves invocations: worker CPU per invocation, RSS, threads and open file descriptors in a quiet window"
        + " at the end against one at the start (none more than 10 %% above), and a graph of them over time.",
    "Real containers (--real > 0) need root."})
public final class SoakBenchCommand implements Callable<Integer> {
    @Option(names = "--sim", defaultValue = "20000", description = "simulated containers (default: ${DEFAULT-VALUE})")
    int sim;

    @Option(names = "--real", defaultValue = "2000", description = "real containers, 0 for none (default: ${DEFAULT-VALUE})")
    int real;

    @Option(names = "--backend", defaultValue = "containerd", description = "backend of the real containers: containerd"
            + " or docker (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--transport", defaultValue = "uds", description = "their transport (default: ${DEFAULT-VALUE})")
    String transport;

    @Option(names = "--clients", defaultValue = "2", description = "serving clients (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--slots", defaultValue = "2", description = "churn invocations at once (default: ${DEFAULT-VALUE})")
    int slots;

    @Option(names = "--warmup", defaultValue = "1000,40", split = ",", paramLabel = "SIM,REAL",
            description = "containers of the unmeasured warm-up churn (default: ${DEFAULT-VALUE})")
    List<Integer> warmup;

    @Option(names = "--quiet-s", defaultValue = "10", description = "seconds of each quiet window (default: ${DEFAULT-VALUE})")
    double quietS;

    @Option(names = "--sample-s", defaultValue = "2", description = "seconds between samples (default: ${DEFAULT-VALUE})")
    double sampleS;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the results to FILE (and a graph FILE.png/.svg)")
    Path json;

    @Override
    public Integer call() throws Exception {
        if (sim < 0 || real < 0 || sim + real == 0 || clients < 1 || clients > 64 || slots < 1 || slots > 64
                || warmup.size() != 2 || warmup.stream().anyMatch(w -> w < 0)) {
            throw new CliException(CliException.USAGE, "--sim and --real >= 0 (not both 0), --clients 1-64, --slots"
                    + " 1-64, --warmup SIM,REAL (>= 0 each)");
        }
        if (!Double.isFinite(quietS) || quietS <= 0 || !Double.isFinite(sampleS) || sampleS <= 0) {
            throw new CliException(CliException.USAGE, "--quiet-s and --sample-s must be seconds above 0");
        }
        if (!List.of("containerd", "docker").contains(backend)) {
            throw new CliException(CliException.USAGE, "--backend: containerd or docker (given: " + backend + ")");
        }
        int warmReal = real == 0 ? 0 : warmup.get(1);
        if (real + warmReal > 0 && !"root".equals(System.getProperty("user.name"))) {
            throw new CliException(CliException.FAILED, "bench soak with real containers needs root (or --real 0)");
        }
        Home home = Home.detect();
        // the worker's address and process are known once it runs (Setup.on)
        SoakBench.Setup setup = new SoakBench.Setup(null, 0, home.dir().resolve("examples/noop"), backend, transport,
                sim, real, clients, slots, warmup.get(0), warmReal, quietS, sampleS);
        JsonObject run;
        try (BenchInstance b = new BenchInstance(home)) {
            b.configs.set("vireo.resource.memory", "memory.mb", Integer.toString(setup.memoryMb()));
            b.instance.property("vireo.backends", real + warmReal > 0 ? "sim, " + backend : "sim");
            b.start();
            long pid = b.instance.process().map(ProcessHandle::pid).orElseThrow(() -> new CliException(
                    CliException.FAILED, "the bench worker started but its process is not known (no pid file)"));
            run = SoakBench.run(setup.on(b.grpc(), pid));
        }
        if (json != null) {
            System.err.println("soak bench: wrote " + json + " and " + SoakBench.write(run, json));
        } else {
            System.out.println(run);
        }
        return run.get("all_within").getAsBoolean() ? 0 : CliException.FAILED;
    }
}
