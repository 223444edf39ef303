package dev.vireo.cli.command;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vireo.bench.ContainerdBench;
import dev.vireo.bench.ControllerBench;
import dev.vireo.bench.DagBench;
import dev.vireo.bench.MemoryBench;
import dev.vireo.bench.WorkerBench;
import dev.vireo.cli.CliException;
import dev.vireo.cli.Home;
import dev.vireo.cli.instance.Cluster;
import dev.vireo.cli.instance.Instance;
import dev.vireo.sim.SimBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vireo bench ...}: the benchmarks, each against its floor measured in the same run. */
@Command(name = "bench", description = "Benchmarks; each measures its floor in the same run and prints JSON and a table.",
        subcommands = {BenchCommand.Boot.class, BenchCommand.Worker.class, BenchCommand.Memory.class,
            BenchCommand.Controller.class, BenchCommand.Dag.class, BenchCommand.Planners.class, SimBench.class,
            CpuGroupsBenchCommand.class, ScalingBenchCommand.class, SoakBenchCommand.class})
public final class BenchCommand {
    @Command(name = "boot", description = {"Boot-to-ready of the all-in-one profile against a bare JVM start,",
        "with the profile's class-data-sharing archive (the default) and without it."})
    static final class Boot implements Callable<Integer> {
        @Option(names = "--runs", defaultValue = "5", description = "runs (default: ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--json", paramLabel = "FILE", description = "also write the results to FILE")
        Path json;

        @Override
        public Integer call() throws Exception {
            if (runs < 1 || runs > 100) {
                throw new IllegalArgumentException("--runs must be 1-100");
            }
            Home home = Home.detect();
            // the first boot of a build makes the archive (the JVM writes it at exit): timed apart, not in the runs
            Path archiveFile = new Instance(home, "bench", "all-in-one").classDataArchive();
            Files.deleteIfExists(archiveFile);
            long[] first = boot(home, true);
            // a JDK without a base archive (or that refuses the options) writes none: then only the plain boots
            boolean archive = Files.isRegularFile(archiveFile);
            if (!archive) {
                System.err.println("bench boot: the first boot wrote no class-data archive (" + archiveFile
                        + "); measuring without one");
            }
            long[] floors = new long[runs];
            long[] boots = new long[runs];
            long[] uptimes = new long[runs];
            long[] plain = new long[runs];
            for (int i = 0; i < runs; i++) {
                // floor: a bare start and exit of the same JVM
                long t0 = System.nanoTime();
                new ProcessBuilder(home.java().toString(), "-version").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                floors[i] = (System.nanoTime() - t0) / 1_000_000;
                long[] p = boot(home, false);
                long[] b = archive ? boot(home, true) : p;
                boots[i] = b[0];
                uptimes[i] = b[1];
                plain[i] = p[0];
            }
            long mf = median(floors);
            long mb = median(boots);
            long mu = median(uptimes);
            long mp = median(plain);
            System.out.printf(Locale.ROOT, "%-44s %10s%n", "boot benchmark (" + runs + " runs, median)", "ms");
            System.out.printf(Locale.ROOT, "%-44s %10d%n", "floor: bare JVM start + exit", mf);
            System.out.printf(Locale.ROOT, "%-44s %10d%n", "vireo: process start -> ready", mb);
            System.out.printf(Locale.ROOT, "%-44s %10d%n", "vireo: JVM uptime at ready", mu);
            System.out.printf(Locale.ROOT, "%-44s %10d%n", "vireo minus floor", mb - mf);
            System.out.printf(Locale.ROOT, "%-44s %10d%n", "without the class-data archive: start -> ready", mp);
            System.out.printf(Locale.ROOT, "%-44s %10d%n", "first boot of a build (makes the archive)", first[0]);
            System.out.printf(Locale.ROOT, "%-44s %10d%n", "  its stop (writes the archive)", first[2]);
            JsonObject out = new JsonObject();
            out.addProperty("benchmark", "boot");
            out.addProperty("profile", "all-in-one");
            out.addProperty("runs", runs);
            out.addProperty("class_data_archive", archive);
            out.add("floor_jvm_ms", array(floors));
            out.add("boot_to_ready_ms", array(boots));
            out.add("uptime_at_ready_ms", array(uptimes));
            out.add("boot_to_ready_no_archive_ms", array(plain));
            JsonObject f = new JsonObject();
            f.addProperty("boot_to_ready_ms", first[0]);
            f.addProperty("stop_ms", first[2]);
            out.add("first_boot", f);
            JsonObject median = new JsonObject();
            median.addProperty("floor_jvm_ms", mf);
            median.addProperty("boot_to_ready_ms", mb);
            median.addProperty("uptime_at_ready_ms", mu);
            median.addProperty("boot_to_ready_no_archive_ms", mp);
            out.add("median", median);
            System.out.println(out);
            if (json != null) {
                Files.writeString(json, out + "\n");
            }
            return 0;
        }

        /** One boot of a fresh all-in-one: {process start to ready, JVM uptime at ready, stop} in ms. */
        private static long[] boot(Home home, boolean archive) throws Exception {
            Instance in = new Instance(home, "bench", "all-in-one").classDataSharing(archive);
            in.writeConfig();
            Path ready = in.dir().resolve("ready");
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(in.command()).redirectErrorStream(true)
                    .redirectOutput(in.log().toFile()).start();
            while (!Files.exists(ready)) {
                if (!p.isAlive()) {
                    throw new CliException(CliException.FAILED, "bench: Vireo died, see " + in.log());
                }
                if (System.nanoTime() - t0 > 60_000_000_000L) {
                    p.destroy();
                    throw new CliException(CliException.FAILED, "bench: not ready within 60 s (see " + in.log() + ")");
                }
                Thread.sleep(2);
            }
            long boot = (System.nanoTime() - t0) / 1_000_000;
            String marker = Files.readString(ready);
            var m = java.util.regex.Pattern.compile("\"uptime_ms\":(\\d+)").matcher(marker);
            if (!m.find()) {
                p.destroy();
                throw new CliException(CliException.FAILED, "bench: the ready marker " + ready + " has no uptime_ms: '"
                        + marker + "'");
            }
            long uptime = Long.parseLong(m.group(1));
            long t1 = System.nanoTime();
            p.destroy();
            p.waitFor();
            return new long[] {boot, uptime, (System.nanoTime() - t1) / 1_000_000};
        }

        static long median(long[] v) {
            long[] s = v.clone();
            Arrays.sort(s);
            return s[(s.length - 1) / 2];
        }

        static JsonArray array(long[] v) {
            JsonArray a = new JsonArray();
            Arrays.stream(v).forEach(a::add);
            return a;
        }
    }

    @Command(name = "worker", description = {"Closed-loop gRPC benchmark of a worker against a bare gRPC echo floor;",
        "with --backend containerd|docker: warm calls against the raw round trip of the same transport and cold"
            + " starts against a raw cold start of the same container (root)."})
    static final class Worker implements Callable<Integer> {
        @Option(names = "--backend", defaultValue = "sim", description = "sim (default), containerd or docker")
        String backend;

        @Option(names = "--transport", description = "transport (default: sim on sim, uds otherwise: uds|pipe|http)")
        String transport;

        @Option(names = "--image", description = "image of the no-op function (sim backend)")
        String image;

        @Option(names = "--clients", split = ",", defaultValue = "1,16,64,256", paramLabel = "N,...",
                description = "client counts (sim backend; default: ${DEFAULT-VALUE})")
        List<Integer> clients;

        @Option(names = "--duration-s", defaultValue = "10", description = "seconds per measurement")
        double durationS;

        @Option(names = "--warmup-s", defaultValue = "2", description = "warm-up seconds (sim backend)")
        double warmupS;

        @Option(names = "--channels", defaultValue = "4", description = "gRPC channels (sim backend)")
        int channels;

        @Option(names = "--cold-runs", defaultValue = "20", description = "cold starts (container backends)")
        int coldRuns;

        @Option(names = "--json", paramLabel = "FILE", description = "also write the results to FILE")
        Path json;

        @Override
        public Integer call() throws Exception {
            if (!List.of("sim", "containerd", "docker").contains(backend)) {
                throw new IllegalArgumentException("--backend must be sim, containerd or docker");
            }
            if (clients.stream().anyMatch(c -> c < 1 || c > 10_000) || durationS <= 0 || channels < 1) {
                throw new IllegalArgumentException("--clients must be 1-10000 each, --duration-s > 0, --channels >= 1");
            }
            Home home = Home.detect();
            try (BenchInstance b = new BenchInstance(home)) {
                if (backend.equals("sim")) {
                    b.start();
                    WorkerBench.run(b.grpc(), backend, transport, image, clients, durationS, warmupS, channels, json);
                    return 0;
                }
                b.instance.property("vireo.backends", backend);
                if (backend.equals("docker") && ImageCommand.build(home, "python3", null, null, null) != 0) {
                    throw new CliException(CliException.FAILED, "cannot build the runtime image");
                }
                b.start();
                Path dir = b.instance.dir();
                ContainerdBench.run(b.grpc(), dir.resolve("containerd/containerd.sock"), dir.resolve("sockets"),
                        dir.resolve("pipes"), dir.resolve("docker/docker.sock"), home.dir().resolve("examples/noop"),
                        backend, transport == null ? "uds" : transport, durationS, coldRuns, json);
                return 0;
            }
        }
    }

    @Command(name = "memory", description = "10,000 functions + 1,000 idle containers in a worker with a 256 MB heap.")
    static final class Memory implements Callable<Integer> {
        @Option(names = "--functions", defaultValue = "10000", description = "functions (default: ${DEFAULT-VALUE})")
        int functions;

        @Option(names = "--containers", defaultValue = "1000", description = "idle containers (default: ${DEFAULT-VALUE})")
        int containers;

        @Option(names = "--json", paramLabel = "FILE", description = "also write the results to FILE")
        Path json;

        @Override
        public Integer call() throws Exception {
            try (BenchInstance b = new BenchInstance(Home.detect())) {
                b.configs.set("vireo.resource.memory", "memory.mb", "1000000");
                b.instance.jvmOption("-Xmx256m");
                b.start();
                long pid = b.instance.process().map(ProcessHandle::pid).orElseThrow();
                MemoryBench.run(b.grpc(), "http://127.0.0.1:" + b.httpPort, pid, functions, containers, json);
                return 0;
            }
        }
    }

    @Command(name = "controller", description = "The same load direct to a worker and through a controller in front"
            + " of it (added latency, throughput ratio).")
    static final class Controller implements Callable<Integer> {
        @Option(names = "--clients", split = ",", defaultValue = "1,16", paramLabel = "N,...",
                description = "client counts (default: ${DEFAULT-VALUE})")
        List<Integer> clients;

        @Option(names = "--duration-s", defaultValue = "5", description = "seconds per measurement")
        double durationS;

        @Option(names = "--rounds", defaultValue = "2", description = "rounds per client count")
        int rounds;

        @Option(names = "--no-relay", description = "leave out the relay (a JVM that passes each call's bytes on to the"
                + " worker: the floor of a gRPC hop)")
        boolean noRelay;

        @Option(names = "--json", paramLabel = "FILE", description = "also write the results to FILE")
        Path json;

        @Override
        public Integer call() throws Exception {
            Cluster cluster = new Cluster(Home.detect(), "bench");
            Process relay = null;
            try {
                Cluster.Addresses a = cluster.start(1, true, "sim", null);
                String relayTarget = null;
                if (!noRelay) {
                    relay = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                            "-cp", System.getProperty("java.class.path"), "dev.vireo.bench.GrpcRelay",
                            a.workersGrpc().get(0)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                    relayTarget = "127.0.0.1:" + relayPort(relay);
                }
                ControllerBench.run(a.workersGrpc().get(0), a.controllerGrpc(), relayTarget, new ArrayList<>(clients),
                        durationS, rounds, json);
                return 0;
            } finally {
                if (relay != null) {
                    relay.destroy();
                    relay.waitFor();
                }
                cluster.stop();
            }
        }

        /** The port the relay says it listens on (its first line). */
        private static int relayPort(Process relay) throws java.io.IOException {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(relay.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            String line = in.readLine();
            if (line == null || !line.startsWith("relay listening on ")) {
                throw new CliException(CliException.FAILED, "bench controller: the relay did not start (" + line + ")");
            }
            return Integer.parseInt(line.substring("relay listening on ".length()).trim());
        }
    }

    @Command(name = "dag", description = "Workflows (fan-out/fan-in, chain, tree reduce) through a controller with two"
            + " workers, against the same shapes as plain invocations in dependency order and one invocation.")
    static final class Dag implements Callable<Integer> {
        @Option(names = "--backend", defaultValue = "sim", paramLabel = "sim|containerd",
                description = "the backend the no-op function runs on (default: ${DEFAULT-VALUE})")
        String backend;

        @Option(names = "--store", defaultValue = "embedded", paramLabel = "embedded|redis",
                description = "the workflow store (default: ${DEFAULT-VALUE})")
        String store;

        @Option(names = "--fanout", defaultValue = "10000", description = "branches of the fan-out (default: ${DEFAULT-VALUE})")
        int fanout;

        @Option(names = "--chain", defaultValue = "1000", description = "tasks of the chain (default: ${DEFAULT-VALUE})")
        int chain;

        @Option(names = "--leaves", defaultValue = "8192", description = "leaves of the tree reduce, a power of two"
                + " (default: ${DEFAULT-VALUE})")
        int leaves;

        @Option(names = "--rounds", defaultValue = "3", description = "runs of each shape, after a warm-up; the"
                + " median makespan counts (default: ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--big", defaultValue = "100000", description = "tasks of a fan-out on one node with a 256 MB"
                + " heap, 0 for none (default: ${DEFAULT-VALUE})")
        int big;

        @Option(names = "--json", paramLabel = "FILE", description = "also write the results to FILE")
        Path json;

        @Override
        public Integer call() throws Exception {
            if (!List.of("sim", "containerd").contains(backend)) {
                throw new CliException(CliException.USAGE, "--backend '" + backend + "': use sim or containerd");
            }
            if (!List.of("embedded", "redis").contains(store)) {
                throw new CliException(CliException.USAGE, "--store '" + store + "': use embedded or redis");
            }
            if (rounds < 1) {
                throw new CliException(CliException.USAGE, "--rounds must be at least 1");
            }
            if (fanout < 1 || chain < 1 || leaves < 2 || Integer.bitCount(leaves) != 1) {
                throw new CliException(CliException.USAGE, "--fanout and --chain must be at least 1, --leaves a power"
                        + " of two");
            }
            Home home = Home.detect();
            System.setProperty("vireo.home", home.dir().toString());
            Cluster cluster = new Cluster(home, "bench").property("vireo.dag.store", store);
            dev.vireo.cli.instance.RedisServer redis = null;
            try {
                if (store.equals("redis")) {
                    // a private redis-server on the store's default port (configs/vireo.dag.store.redis.cfg)
                    redis = new dev.vireo.cli.instance.RedisServer(home.runDir("bench-redis"));
                    redis.start(dev.vireo.cli.instance.RedisServer.DEFAULT_PORT, java.time.Duration.ofSeconds(30));
                }
                Cluster.Addresses a = cluster.start(2, true, backend, null);
                DagBench.run(a.controllerHttp(), a.controllerGrpc(), backend, store, fanout, chain, leaves, rounds, json);
            } finally {
                cluster.stop();
                if (redis != null) {
                    redis.stop();
                }
            }
            if (big > 0) {
                try (BenchInstance b = new BenchInstance(home)) {
                    b.configs.set("vireo.resource.memory", "memory.mb", "1000000");
                    b.instance.property("vireo.dag.store", "embedded");
                    b.instance.jvmOption("-Xmx256m");
                    b.start();
                    long pid = b.instance.process().map(ProcessHandle::pid).orElseThrow();
                    DagBench.big("http://127.0.0.1:" + b.httpPort, b.grpc(), pid, big, json == null ? null
                            : json.resolveSibling(json.getFileName() + ".big.json"));
                }
            }
            return 0;
        }
    }

    @Command(name = "planners", description = "Workflow planners against each other: six graphs under every planner"
            + " (local, heft, critical-path, wukong, locality) through a controller with two workers (sim backend).")
    static final class Planners implements Callable<Integer> {
        @Option(names = "--json", paramLabel = "FILE", description = "also write the results to FILE")
        Path json;

        @Override
        public Integer call() throws Exception {
            Home home = Home.detect();
            System.setProperty("vireo.home", home.dir().toString());
            Cluster cluster = new Cluster(home, "bench");
            try {
                // limits kept (not --open): functions of half a CPU run 4 at once per worker
                Cluster.Addresses a = cluster.start(2, false, "sim", null);
                List<String> nodes = List.of("bench-controller", "bench-w1", "bench-w2");
                dev.vireo.bench.PlannerBench.run(a.controllerHttp(), a.controllerGrpc(), planner -> {
                    for (String node : nodes) {
                        try {
                            if (dev.vireo.cli.ConsoleClient.run(home.runDir(node).resolve("console/console.sock"),
                                    List.of("vireo:use dag " + planner)) != 0) {
                                throw new IllegalStateException("vireo:use dag " + planner + " failed on " + node);
                            }
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                }, graphs -> {
                    try {
                        // the same configuration as the live cluster, the sim backend's cold start (100 ms)
                        return dev.vireo.sim.SimPlanners.run(graphs, dev.vireo.bench.PlannerBench.PLANNERS,
                                dev.vireo.sim.Configs.read(home.dir().resolve("configs")), 100, 0.5);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, json);
            } finally {
                cluster.stop();
            }
            return 0;
        }
    }
}
