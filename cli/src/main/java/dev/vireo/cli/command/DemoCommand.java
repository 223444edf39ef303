package dev.vireo.cli.command;

import dev.vireo.cli.CliException;
import dev.vireo.cli.ConsoleClient;
import dev.vireo.cli.Home;
import dev.vireo.cli.Main;
import dev.vireo.cli.instance.Cluster;
import dev.vireo.cli.instance.ConfigFolder;
import dev.vireo.cli.instance.Instance;
import dev.vireo.cli.instance.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * {@code vireo demo}: the main job. Boots the all-in-one profile in its own run folder (a private copy of configs/
 * and deploy/, the HTTP API on a free port, so it never disturbs an instance of yours), registers and invokes
 * functions cold and warm, swaps policies from the console, by editing a config file and by hot-deploying a bundle,
 * prints status and stops; then a controller and two workers replay a synthetic trace, the simulation replays that
 * run as it ran ({@code sim --like}: live and simulated side by side) and the same trace under three queue policies.
 * Every step runs the same commands a user types.
 */
@Command(name = "demo", description = "The main job: a worker, functions cold and warm, policies swapped three ways,"
        + " a cluster replaying a trace, that run simulated as it ran and under three queue policies.")
public final class DemoCommand implements Callable<Integer> {
    private Home home;
    private String worker;

    @Override
    public Integer call() throws Exception {
        home = Home.detect();
        Instance demo = new Instance(home, "demo", "all-in-one");
        demo.stop();
        dev.vireo.cli.instance.Trees.delete(demo.dir());
        Path deploy = Files.createDirectories(demo.dir().resolve("deploy"));
        ConfigFolder configs = ConfigFolder.copy(home.configs(), demo.dir().resolve("configs"));
        int port = new Ports(18070).next();
        worker = "http://127.0.0.1:" + port;
        demo.configs(configs.dir()).deploy(deploy).property("vireo.http.port", Integer.toString(port))
                .property("vireo.grpc.port", Integer.toString(new Ports(port + 1).next()));
        try {
            worker(demo, configs, deploy);
        } finally {
            demo.stop();
        }
        cluster(demo.dir());
        return 0;
    }

    private void worker(Instance demo, ConfigFolder configs, Path deploy) throws Exception {
        step("1. boot Vireo (all-in-one profile: worker on the simulated backend + policies) in the background");
        System.out.println("vireo: demo started (" + demo.start(Instance.startTimeout()) + " ms to ready); log: "
                + demo.log());
        step("2. every extension point and its plugins (vireo:plugins)");
        console(demo, "vireo:plugins");
        step("3. register sample functions (simulated containers: declared cold-start and execution times)");
        fn("register", "hello", "--image", "sim/hello", "--transport", "sim", "--cpus", "0.1", "--cold-ms", "120",
                "--warm-ms", "2");
        fn("register", "thumbnail", "--image", "sim/thumbnail", "--transport", "sim", "--cpus", "0.5", "--memory-mb",
                "256", "--cold-ms", "250", "--warm-ms", "40");
        fn("register", "etl", "--image", "sim/etl", "--transport", "sim", "--cpus", "1", "--memory-mb", "512",
                "--cold-ms", "400", "--warm-ms", "150");
        fn("register", "fails", "--image", "sim/fails", "--transport", "sim", "--cpus", "0.1", "--cold-ms", "80",
                "--warm-ms", "5");
        step("4. invoke each cold, then warm");
        fn("try", "hello-1", "thumbnail-1", "etl-1", "-d", "{\"user\":\"demo\"}");
        if (cli("fn", "try", "fails-1", "-d", "{\"sim_fail\":\"ZeroDivisionError: division by zero\"}",
                "--worker", worker) != 0) {
            System.out.println("    (fails-1 raised, as it should: a typed USER_ERROR; the worker carries on)");
        }
        step("4b. the real Python agent over a Unix socket (process backend: no isolation, development)");
        Path examples = home.dir().resolve("examples");
        fn("register", "py-hello", "--code", examples.resolve("hello").toString(), "--handler", "main.handle",
                "--backend", "process", "--transport", "uds");
        fn("register", "py-raises", "--code", examples.resolve("raises").toString(), "--handler", "main.handle",
                "--backend", "process", "--transport", "uds");
        fn("try", "py-hello-1", "-d", "{\"name\":\"demo\"}");
        if (cli("fn", "invoke", "py-raises-1", "--enhanced", "--worker", worker) != 0) {
            System.out.println("    (py-raises-1 raised ZeroDivisionError in Python: typed USER_ERROR with its traceback)");
        }
        containers(examples);
        step("5. swap the queue policy at runtime from the console (vireo:use queue sjf)");
        console(demo, "vireo:queue slow:900 fast:5 medium:40 tiny:1");
        console(demo, "vireo:use queue sjf");
        console(demo, "vireo:queue slow:900 fast:5 medium:40 tiny:1");
        step("6. swap the keep-alive policy by editing the config file (keepalive.policy = greedy-dual)");
        configs.set("vireo.kernel", "keepalive.policy", "greedy-dual");
        waitFor("keepalive=greedy-dual in force", () -> active(demo, "keepalive", "greedy-dual"));
        step("7. hot deploy: drop the lifo bundle (not in the distro) into deploy/, select it, use it");
        Path lifo = home.dir().resolve("bundles/dev.vireo.policy.queue.lifo/target");
        try (Stream<Path> jars = Files.list(lifo)) {
            Path jar = jars.filter(p -> p.getFileName().toString().matches("dev\\.vireo\\.policy\\.queue\\.lifo-.*\\.jar"))
                    .findFirst().orElseThrow(() -> new CliException(CliException.FAILED, "the lifo bundle is not built"));
            Files.copy(jar, deploy.resolve(jar.getFileName()));
        }
        waitFor("lifo installed", () -> installed(demo, "lifo"));
        console(demo, "vireo:use queue lifo");
        console(demo, "vireo:queue slow:900 fast:5 medium:40 tiny:1");
        if (cli("fn", "try", "hello-1", "--worker", worker) == 0) {
            System.out.println("    hello-1 still served with lifo in force");
        }
        step("8. remove the bundle: the queue falls back to the configured default");
        try (Stream<Path> jars = Files.list(deploy)) {
            for (Path j : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.delete(j);
            }
        }
        waitFor("fcfs back in force", () -> active(demo, "queue", "fcfs"));
        step("9. worker status");
        run("worker", "status", "--worker", worker);
        step("10. stop");
        demo.stop();
        System.out.println("vireo: demo stopped");
    }

    private void containers(Path examples) throws Exception {
        step("4c. real containers through containerd (private daemon, runc, read-only root, no network, limits)");
        if (cli("fn", "register", "ctr-hello", "--code", examples.resolve("hello").toString(), "--handler", "main.handle",
                "--backend", "containerd", "--transport", "uds", "--memory-mb", "64", "--cpus", "0.5", "--worker",
                worker) != 0) {
            System.out.println("    (containerd is not available here, see the message above; run as root with"
                    + " containerd and runc installed)");
            return;
        }
        fn("register", "ctr-inspect", "--code", examples.resolve("inspect").toString(), "--handler", "main.handle",
                "--backend", "containerd", "--transport", "uds", "--memory-mb", "64");
        fn("register", "ctr-hog", "--code", examples.resolve("memory-hog").toString(), "--handler", "main.handle",
                "--backend", "containerd", "--transport", "uds", "--memory-mb", "64");
        System.out.println("    an image built here without a registry (runtime layer + code layer), run from a"
                + " containerd snapshot,");
        System.out.println("    and the other two transports: FIFO pairs (pipe) and HTTP in the container's own"
                + " network namespace (http)");
        run("image", "build", "python3", "--tag", "vireo/hello:demo", "--code", examples.resolve("hello").toString(),
                "--handler", "main.handle");
        fn("register", "img-hello", "--image", "vireo/hello:demo", "--backend", "containerd", "--transport", "pipe",
                "--memory-mb", "64");
        fn("register", "net-hello", "--code", examples.resolve("hello").toString(), "--handler", "main.handle",
                "--backend", "containerd", "--transport", "http", "--memory-mb", "64");
        fn("try", "ctr-hello-1", "img-hello-1", "net-hello-1", "-d", "{\"name\":\"container\"}");
        System.out.println("    inside the container:");
        fn("invoke", "ctr-inspect-1", "--json");
        if (cli("fn", "invoke", "ctr-hog-1", "-d", "{\"mb\":200}", "--worker", worker) != 0) {
            System.out.println("    (ctr-hog-1 went past its 64 MB: OUT_OF_MEMORY on that invocation only)");
        }
        fn("invoke", "ctr-hog-1", "-d", "{\"mb\":8}", "--json");
    }

    /**
     * The demo's trace: 3 invocations/s of four functions, replayed 6x: more than the workers' CPUs run at once, so
     * invocations queue and the queue policy decides who waits (the simulated sweep's policies differ on it by
     * seconds). ClusterIT replays the same on a cluster and checks that {@code sim --like} meets #19's fidelity
     * targets on it.
     */
    public static final List<String> TRACE = List.of("--functions", "4", "--minutes", "1", "--seed", "7", "--rate",
            "3");
    /** The speed the demo replays {@link #TRACE} at. */
    public static final String SPEED = "6";

    private void cluster(Path demoDir) throws Exception {
        step("11. a cluster: a controller and two workers (separate JVMs) replay a synthetic Azure-schema trace");
        Cluster cluster = new Cluster(home, "demo");
        String name = "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path trace = demoDir.resolve("trace");
        try {
            Cluster.Addresses a = cluster.start(2, false, "sim, process", null);
            List<String> synth = new java.util.ArrayList<>(List.of("trace", "synth"));
            synth.addAll(TRACE);
            synth.addAll(List.of("--out", trace.toString()));
            run(synth.toArray(String[]::new));
            run("loadgen", "trace", "--target", a.controllerGrpc(), "--trace", trace.toString(), "--speed", SPEED,
                    "--out", home.runs().toString(), "--name", name);
            run("controller", "status", "--worker", a.controllerHttp());
            step("12. that run again in the time-skipping simulation (the same controller, worker and policy code on a"
                    + " virtual\n      clock): sim --like takes the trace, seed, speed and every node's settings from"
                    + " the run's folder,\n      and puts live and simulated side by side");
            run("sim", "--like", home.runs().resolve(name).toString(), "--out", home.runs().toString(), "--name",
                    name + "-like", "--report", "no");
            step("12b. the same trace simulated once per queue policy: what each would have done");
            run("sim", "--trace", trace.toString(), "--workers", "2", "--seed", "1", "--speed", SPEED, "--sweep",
                    "queue=fcfs,sjf,mqfq", "--out", home.runs().toString(), "--name", name + "-sim", "--report", "no");
            workflow(a.controllerHttp());
        } finally {
            cluster.stop();
        }
        System.out.println("demo finished: worker served cold and warm invocations; policies swapped by console, config"
                + " file and hot deploy;");
        System.out.println("a trace ran through the controller, then in simulation as it ran (compared: "
                + name + "-like/like.json) and under three queue policies; a word count ran as a workflow over the"
                + " cluster.");
        Path runs = home.runs();
        System.out.println("Report: " + runs.resolve(name).resolve("report.html") + " (records in "
                + runs.resolve(name).resolve("records.duckdb") + "); simulations: " + runs.resolve(name + "-sim") + "/");
    }

    /** A map-reduce word count as a workflow through the controller, on the real Python agent; its report. */
    private void workflow(String controller) throws Exception {
        step("13. a workflow: word count over sample text (split -> a dynamic fan-out of counts -> merge), real Python"
                + "\n      functions on both workers, continued task to task by the runtime; then its report");
        Path examples = home.dir().resolve("examples");
        for (String f : List.of("wc-split", "wc-count", "wc-sum")) {
            run("fn", "register", f, "--code", examples.resolve(f).toString(), "--handler", "main.handle", "--backend",
                    "process", "--transport", "uds", "--concurrency", "4", "--worker", controller);
        }
        run("dag", "submit", examples.resolve("wordcount/wordcount.json").toString(), "--wait", "--worker", controller);
        java.net.http.HttpResponse<String> runs;
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            runs = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(controller + "/dags")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        }
        String run = com.google.gson.JsonParser.parseString(runs.body()).getAsJsonArray().get(0).getAsJsonObject()
                .get("run").getAsString();
        run("dag", "status", run, "--worker", controller);
        // its records into a results folder: the graph by worker, the critical path, a timeline (prints where)
        run("dag", "report", run, "--worker", controller, "--out", home.runs().toString());
    }

    private static void step(String title) {
        System.out.println();
        System.out.println("== " + title);
    }

    /** A CLI command in this JVM, as a user would type it; its exit code. */
    private static int cli(String... args) {
        return Main.commandLine().execute(args);
    }

    /** A CLI command that must succeed. */
    private static void run(String... args) {
        int code = cli(args);
        if (code != 0) {
            throw new CliException(CliException.FAILED, "demo: '" + String.join(" ", args) + "' failed (exit " + code
                    + ")");
        }
    }

    /** A function command on the demo's worker that must succeed. */
    private void fn(String... args) {
        String[] all = Stream.concat(Stream.of("fn"), Stream.concat(Stream.of(args), Stream.of("--worker", worker)))
                .toArray(String[]::new);
        run(all);
    }

    private static void console(Instance demo, String command) throws Exception {
        if (demo.console(List.of(command)) != 0) {
            throw new CliException(CliException.FAILED, "demo: console command '" + command + "' failed");
        }
    }

    private static boolean active(Instance demo, String point, String name) {
        return ConsoleClient.capture(demo.consoleSocket(), "vireo:plugins " + point).lines()
                .map(l -> l.trim().split("\\s+")).anyMatch(f -> f.length >= 3 && f[1].equals(name) && f[2].equals("*"));
    }

    private static boolean installed(Instance demo, String name) {
        return ConsoleClient.capture(demo.consoleSocket(), "vireo:plugins queue").lines()
                .map(l -> l.trim().split("\\s+")).anyMatch(f -> f.length >= 2 && f[1].equals(name));
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - start > 10_000_000_000L) {
                throw new CliException(CliException.FAILED, "demo: timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
        System.out.println("    (" + what + " after " + (System.nanoTime() - start) / 1_000_000 + " ms)");
    }
}
