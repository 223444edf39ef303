package dev.vireo.cli.command;

import com.google.gson.JsonObject;
import dev.vireo.bench.ScalingBench;
import dev.vireo.cli.CliException;
import dev.vireo.cli.Home;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vireo bench scaling}: tiny invocations from 1 to 512 closed-loop clients over a few warm containers, per
 * backend on a fresh worker of its own ({@link ScalingBench}); the worker's memory admits exactly the warm containers,
 * so the load queues instead of starting more.
 */
@Command(name = "scaling", description = {"Tiny invocations from 1 to 512 clients over a few warm containers: throughput"
        + " and p50/p99 per client count, whether throughput holds past its peak (>= 90 %%) with p99 bounded and no"
        + " errors, and JFR allocation and CompletableFutures per invocation at 1 and 256 clients.",
    "--backend containerd needs root."})
public final class ScalingBenchCommand implements Callable<Integer> {
    @Option(names = "--backend", split = ",", defaultValue = "sim", paramLabel = "NAME,...",
            description = "sim and/or containerd, one run each (default: ${DEFAULT-VALUE})")
    List<String> backends;

    @Option(names = "--transport", defaultValue = "uds", description = "transport on container backends (default: ${DEFAULT-VALUE})")
    String transport;

    @Option(names = "--clients", split = ",", defaultValue = "1,2,4,8,16,32,64,128,256,512", paramLabel = "N,...",
            description = "client counts, in order (default: ${DEFAULT-VALUE})")
    List<Integer> clients;

    @Option(names = "--containers", defaultValue = "4", description = "warm containers (default: ${DEFAULT-VALUE})")
    int containers;

    @Option(names = "--per-container", defaultValue = "1", description = "invocations a container runs at once (default: ${DEFAULT-VALUE})")
    int perContainer;

    @Option(names = "--duration-s", defaultValue = "5", description = "seconds measured per client count (default: ${DEFAULT-VALUE})")
    double durationS;

    @Option(names = "--warmup-s", defaultValue = "2", description = "seconds of load before each, not measured (default: ${DEFAULT-VALUE})")
    double warmupS;

    @Option(names = "--channels", defaultValue = "4", description = "gRPC channels the clients share (default: ${DEFAULT-VALUE})")
    int channels;

    @Option(names = "--profile", split = ",", defaultValue = "1,256", paramLabel = "N,...",
            description = "client counts whose windows the JFR recording of the worker is read for; none: no recording"
                    + " (default: ${DEFAULT-VALUE})")
    List<Integer> profile;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the results to FILE (and a plot FILE.png/.svg)")
    Path json;

    @Override
    public Integer call() throws Exception {
        if (backends.stream().anyMatch(b -> !List.of("sim", "containerd").contains(b))) {
            throw new CliException(CliException.USAGE, "--backend: sim and/or containerd (given: " + backends + ")");
        }
        if (clients.isEmpty() || clients.stream().anyMatch(c -> c < 1 || c > 10_000) || containers < 1
                || containers > 64 || perContainer < 1 || perContainer > 1024 || durationS <= 0 || warmupS < 0
                || channels < 1) {
            throw new CliException(CliException.USAGE, "--clients 1-10000 each, --containers 1-64, --per-container"
                    + " 1-1024, --duration-s > 0, --warmup-s >= 0, --channels >= 1");
        }
        for (int i = 1; i < clients.size(); i++) {
            if (clients.get(i) <= clients.get(i - 1)) {
                throw new CliException(CliException.USAGE, "--clients must rise (the peak and what follows it are read"
                        + " in that order): " + clients);
            }
        }
        if (!clients.containsAll(profile)) {
            throw new CliException(CliException.USAGE, "--profile: every count must be one of --clients " + clients
                    + " (given: " + profile + ")");
        }
        if (!Double.isFinite(durationS) || !Double.isFinite(warmupS)) {
            throw new CliException(CliException.USAGE, "--duration-s and --warmup-s must be numbers of seconds");
        }
        if (backends.contains("containerd") && !"root".equals(System.getProperty("user.name"))) {
            throw new CliException(CliException.FAILED, "bench scaling --backend containerd needs root");
        }
        Home home = Home.detect();
        Path work = home.runDir("bench-scaling");
        Files.createDirectories(work);
        List<JsonObject> runs = new ArrayList<>();
        for (String backend : backends) {
            try (BenchInstance b = new BenchInstance(home)) {
                // room for exactly the warm containers: more load queues, it does not start more
                b.configs.set("vireo.resource.memory", "memory.mb", Integer.toString(64 * containers));
                if (!backend.equals("sim")) {
                    b.instance.property("vireo.backends", backend);
                }
                b.start();
                long pid = b.instance.process().map(ProcessHandle::pid).orElseThrow(() -> new CliException(
                        CliException.FAILED, "the bench worker started but its process is not known (no pid file)"));
                runs.add(ScalingBench.run(new ScalingBench.Setup(b.grpc(), pid, backend,
                        backend.equals("sim") ? "sim" : transport, home.dir().resolve("examples/noop"), containers,
                        perContainer, clients, durationS, warmupS, channels, new LinkedHashSet<>(profile), work)));
            }
        }
        if (json != null) {
            System.err.println("scaling bench: wrote " + json + " and " + ScalingBench.write(runs, json));
        } else {
            runs.forEach(System.out::println);
        }
        return 0;
    }
}
