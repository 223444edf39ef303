package dev.vireo.itests;

import dev.vireo.bpf.CpuGroupMaps;
import dev.vireo.bpf.GroupMember;
import dev.vireo.cli.Home;
import dev.vireo.cli.instance.Instance;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Runs inside the QEMU guest of {@link SchedExtWorkerQemuIT} (a sched_ext kernel; the host's userland and this build
 * over 9p, read-only; scratch space on /run): starts the real worker profile with ./vireo's own {@link Instance}
 * (process backend with a cgroup per process, uds, the cpu-groups tracker in mode sched-ext with groups "1;0"), runs
 * two functions pinned to different groups at the same time, one that fails, stops the worker, and writes what it saw
 * to {@code <results>/result.properties}; the host test judges it. Arguments: the Vireo home, the results folder.
 */
public final class SchedExtWorkerGuest {
    private static final Path BASE = Path.of("/run/vireo");
    private static final Path SCX = Path.of("/sys/kernel/sched_ext");
    private static final String API = "http://127.0.0.1:8070";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    private SchedExtWorkerGuest() {
    }

    public static void main(String[] args) throws IOException {
        Path home = Path.of(args[0]);
        Path results = Path.of(args[1]);
        Properties r = new Properties();
        try {
            run(home, r);
        } catch (Throwable t) {
            t.printStackTrace();
            r.setProperty("error", t.toString());
        }
        try (OutputStream out = Files.newOutputStream(results.resolve("result.properties"))) {
            r.store(out, "SchedExtWorkerGuest");
        }
        System.out.println("result " + r);
    }

    private static void run(Path home, Properties r) throws Exception {
        Path configs = Files.createDirectories(BASE.resolve("configs"));
        ConfigFiles.copy(home.resolve("configs"), configs);
        ConfigFiles.edit(configs.resolve("vireo.kernel.cfg"), Map.of("backends", "process", "transports", "uds",
                "resources", "cpu, concurrency, memory, cpu-groups"));
        // group 0 = CPU 1, group 1 = CPU 0; each function may get only its own
        ConfigFiles.edit(configs.resolve("vireo.resource.cpugroups.cfg"), Map.of("mode", "sched-ext",
                "groups", "1;0", "function.groups", "pinone-*=0; pinzero-*=1", "slice.us", "5000"));
        ConfigFiles.edit(configs.resolve("vireo.backend.process.cfg"), Map.of("scratch", "memory",
                "cgroup", "vireo-process"));
        Home h = new Home(home, BASE.resolve("run"), configs, BASE.resolve("deploy"), BASE.resolve("runs"),
                Path.of(System.getProperty("java.home"), "bin", "java"));
        // TCG runs a JIT's output slowly and rewrites it often: C1 only, one small heap, no perf file (the options of
        // QemuGuest.JVM_OPTIONS, which this guest-side class cannot load: the test kit is not on its class path)
        Instance worker = new Instance(h, "worker", "worker").jvmOption("-XX:TieredStopAtLevel=1")
                .jvmOption("-XX:+UseSerialGC").jvmOption("-XX:-UsePerfData").jvmOption("-Xmx384m")
                .jvmOption("-Djava.io.tmpdir=/run").jvmOption("-Djna.tmpdir=/run")
                .property("vireo.ready.endpoints", "http,grpc");
        r.setProperty("ready_ms", Long.toString(worker.start(Duration.ofSeconds(300))));
        try {
            r.setProperty("state_running", read(SCX.resolve("state")));
            r.setProperty("ops", read(SCX.resolve("root/ops")));
            Path pins = pinDir();
            r.setProperty("pins", pins.toString());
            Path code = home.resolve("examples/placement");
            for (String fn : List.of("pinone", "pinzero")) {
                post("/functions", "{\"name\": \"" + fn + "\", \"code\": \"" + code + "\", \"handler\": \"main.handle\","
                        + " \"backend\": \"process\", \"transport\": \"uds\", \"scratch_mb\": 16,"
                        + " \"timeout_ms\": 240000}", 201);
            }
            post("/functions", "{\"name\": \"fails\", \"code\": \"" + home.resolve("examples/raises") + "\","
                    + " \"handler\": \"main.handle\", \"backend\": \"process\", \"transport\": \"uds\","
                    + " \"scratch_mb\": 16, \"timeout_ms\": 240000}", 201);
            // cold starts first (a Python agent takes seconds here), then both at once, watching the members map
            invoke("pinone-1", 100);
            invoke("pinzero-1", 100);
            Set<String> seen = new ConcurrentSkipListSet<>();
            AtomicInteger most = new AtomicInteger();
            AtomicBoolean watching = new AtomicBoolean(true);
            // opened and read once before the invocations: the first use of the maps (JNA, class loading) takes
            // seconds under TCG, long enough to miss an invocation entirely
            try (CpuGroupMaps maps = CpuGroupMaps.open(pins)) {
                r.setProperty("members_before", Integer.toString(maps.members().size()));
                CompletableFuture<Void> watch = CompletableFuture.runAsync(() -> {
                    try {
                        while (watching.get()) {
                            List<GroupMember> members = maps.members();
                            most.accumulateAndGet(members.size(), Math::max);
                            members.forEach(m -> seen.add(m.cgroupId() + "=" + m.group() + "/" + m.expectedNs()));
                            Thread.sleep(5); // a fair-class task: it must not take a pinned function's CPU
                        }
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, r2 -> Thread.ofPlatform().daemon().start(r2));
                CompletableFuture<String> one = CompletableFuture.supplyAsync(() -> invoke("pinone-1", 3000),
                        r2 -> Thread.ofPlatform().start(r2));
                CompletableFuture<String> zero = CompletableFuture.supplyAsync(() -> invoke("pinzero-1", 3000),
                        r2 -> Thread.ofPlatform().start(r2));
                record(r, "pinone", one.get());
                record(r, "pinzero", zero.get());
                watching.set(false);
                watch.get();
                r.setProperty("members_most", Integer.toString(most.get()));
                r.setProperty("members_seen", String.join(" ", seen));
                r.setProperty("members_after", Integer.toString(maps.members().size()));
                r.setProperty("failed_status", Integer.toString(send("/functions/fails-1/invoke", "{}").statusCode()));
                r.setProperty("members_after_failure", Integer.toString(maps.members().size()));
            }
            r.setProperty("cgroups_running", String.join(" ", cgroups()));
        } finally {
            worker.stop();
        }
        r.setProperty("state_after_stop", read(SCX.resolve("state")));
        r.setProperty("pins_after_stop", Boolean.toString(Files.exists(pinDirOrEmpty())));
        r.setProperty("cgroups_after_stop", String.join(" ", cgroups()));
    }

    /** Where the worker's tracker pinned the scheduler's maps: {@code /sys/fs/bpf/vireo/<instance>/sched}. */
    private static Path pinDir() throws IOException {
        Path p = pinDirOrEmpty();
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("no scheduler maps pinned under /sys/fs/bpf/vireo: the tracker fell back");
        }
        return p;
    }

    private static Path pinDirOrEmpty() throws IOException {
        Path root = Path.of("/sys/fs/bpf/vireo");
        if (!Files.isDirectory(root)) {
            return root.resolve("none");
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.map(d -> d.resolve("sched")).filter(Files::isDirectory).findFirst()
                    .orElse(root.resolve("none"));
        }
    }

    /** The process backend's per-container cgroups: /sys/fs/cgroup/vireo-process/INSTANCE/CONTAINER. */
    private static Set<String> cgroups() throws IOException {
        Path dir = Path.of("/sys/fs/cgroup/vireo-process");
        Set<String> out = new TreeSet<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.walk(dir, 2)) {
                s.filter(d -> Files.isDirectory(d) && d.getNameCount() == dir.getNameCount() + 2)
                        .forEach(d -> out.add(dir.relativize(d).toString()));
            }
        }
        return out;
    }

    /** The function's result fields this test reads: cpus, policies and cgroup, as "k:v,k:v". */
    private static void record(Properties r, String fn, String body) {
        r.setProperty(fn + "_body", body);
        r.setProperty(fn + "_cpus", object(body, "cpus"));
        r.setProperty(fn + "_policies", object(body, "policies"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"cgroup\": \"([^\"]*)\"").matcher(body);
        r.setProperty(fn + "_cgroup", m.find() ? m.group(1) : "");
    }

    private static String object(String body, String field) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + field + "\": \\{([^}]*)\\}").matcher(body);
        return m.find() ? m.group(1).replaceAll("[\" ]", "") : "";
    }

    private static String invoke(String id, int ms) {
        try {
            HttpResponse<String> res = send("/functions/" + id + "/invoke", "{\"ms\": " + ms + "}");
            if (res.statusCode() != 200) {
                throw new IllegalStateException(id + ": HTTP " + res.statusCode() + " " + res.body());
            }
            return res.body();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(id + ": " + e, e);
        }
    }

    private static void post(String path, String json, int expect) throws IOException, InterruptedException {
        HttpResponse<String> res = send(path, json);
        if (res.statusCode() != expect) {
            throw new IllegalStateException("POST " + path + ": HTTP " + res.statusCode() + " " + res.body());
        }
    }

    private static HttpResponse<String> send(String path, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(API + path)).timeout(Duration.ofSeconds(240))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }
}
