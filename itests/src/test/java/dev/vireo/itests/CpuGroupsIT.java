package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vireo.grpc.v1.InvokeReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cpu-groups tracker in cpuset mode on real containers: a worker started with ./vireo (containerd backend, groups
 * "0;1") runs two invocations at once; each container's cpuset.cpus, read on the host while it runs, is its group's
 * CPU, and the function itself sees only that CPU. After the invocation the container (warm, in the pool) stays in
 * its group with {@code idle = keep} (the default), or has its full cpuset and its CPU weight back with
 * {@code idle = restore}. Needs root, containerd + runc, a cgroup v1 cpuset hierarchy and CPUs 0 and 1; skipped
 * otherwise.
 */
class CpuGroupsIT {
    private static final Path CPUSET = Path.of("/sys/fs/cgroup/cpuset");
    private static final Pattern ALLOWED = Pattern.compile("\"cpus_allowed\": \"([^\"]*)\"");
    private static final Pattern CGROUP = Pattern.compile("\"cpuset_cgroup\": \"([^\"]*)\"");
    private LaunchedWorker w;

    private static final Path CPU = Path.of("/sys/fs/cgroup/cpu");

    @BeforeEach
    void assumeHost() throws Exception {
        LaunchedWorker.assumeContainerd("cpu-groups cpuset tests");
        assumeTrue(Files.exists(CPUSET.resolve("cpuset.cpus")), "needs a cgroup v1 cpuset hierarchy at " + CPUSET);
        String online = Files.readString(Path.of("/sys/devices/system/cpu/online")).trim();
        assumeTrue(online.startsWith("0-") || online.startsWith("0,1"), "needs CPUs 0 and 1 online (has " + online + ")");
    }

    private void start(Map<String, String> groups) throws Exception {
        Map<String, String> cfg = new java.util.HashMap<>(Map.of("groups", "0;1", "mode", "cpuset"));
        cfg.putAll(groups);
        w = new LaunchedWorker(Map.of(
                "vireo.kernel.cfg", Map.of("backends", "containerd", "resources", "cpu, concurrency, memory, cpu-groups"),
                "vireo.resource.cpugroups.cfg", cfg));
        w.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (w != null) {
            w.stop();
        }
    }

    @Test
    void eachRunningContainerIsConfinedToItsGroupsCpuAndStaysThereWhileIdle() throws Exception {
        start(Map.of());
        Map<String, String> groupOf = runTwoAtOnce();
        for (var e : groupOf.entrySet()) {
            assertEquals(e.getValue(), Files.readString(CPUSET.resolve(e.getKey().substring(1)).resolve("cpuset.cpus"))
                    .trim(), "kept in its group once the invocation ended (idle = keep; the container is warm)");
        }
        String members = w.vireo("console", "worker", "-c", "vireo:cpumembers");
        assertTrue(members.contains(" idle ") && members.contains("cga-1") && members.contains("cgb-1"), members);
        // a warm container reused: confined for the new invocation, to whatever group it gets now
        InvokeReply again = w.invoke("cga-1", "{}");
        assertEquals("warm", again.getRecord().getState());
        assertTrue(Set.of("0", "1").contains(find(ALLOWED, again.getResult())), again.getResult());
        String console = w.vireo("console", "worker", "-c", "vireo:cpugroups");
        assertTrue(console.contains("mode cpuset, selected (resources), in flight 0 of max 2"), console);
    }

    @Test
    void withIdleRestoreEachContainerGetsItsCpusetAndWeightBackAfterwards() throws Exception {
        start(Map.of("idle", "restore", "weight", "1;10000"));
        Map<String, String> groupOf = runTwoAtOnce();
        for (var e : groupOf.entrySet()) {
            String cgroup = e.getKey().substring(1);
            assertEquals(Files.readString(CPUSET.resolve("cpuset.cpus")).trim(), Files.readString(CPUSET.resolve(cgroup)
                    .resolve("cpuset.cpus")).trim(), "restored once the invocation ended (the container is warm)");
            assertEquals("1024", Files.readString(CPU.resolve(cgroup).resolve("cpu.shares")).trim(),
                    "its own weight back (cpus = 1)");
            Set<String> shares = sharesSeen.getOrDefault(e.getKey(), Set.of());
            assertTrue(shares.contains("0".equals(e.getValue()) ? "10" : "102400"), "group " + e.getValue()
                    + "'s weight while it ran: " + shares);
        }
    }

    private final Map<String, Set<String>> sharesSeen = new ConcurrentHashMap<>();

    /**
     * Registers cga and cgb, runs one invocation of each at once (1.5 s), and checks each ran confined to its own
     * group's CPU as the host's cgroup files and the function saw it; returns each one's cgroup path ({@code
     * /vireo/<id>}) and its group's CPU.
     */
    private Map<String, String> runTwoAtOnce() throws Exception {
        String full = Files.readString(CPUSET.resolve("cpuset.cpus")).trim();
        w.register(LaunchedWorker.example("cga", "cpus", "containerd", "uds", 64, 30_000));
        w.register(LaunchedWorker.example("cgb", "cpus", "containerd", "uds", 64, 30_000));
        // what the host's cgroup files say while the invocations run, per container cgroup
        Map<String, Set<String>> seen = new ConcurrentHashMap<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = Thread.ofPlatform().start(() -> {
            while (watching.get()) {
                try (Stream<Path> dirs = Files.list(CPUSET.resolve("vireo"))) {
                    for (Path d : dirs.filter(d -> d.getFileName().toString().contains("-cg")).toList()) {
                        try {
                            seen.computeIfAbsent("/vireo/" + d.getFileName(), k -> ConcurrentHashMap.newKeySet())
                                    .add(Files.readString(d.resolve("cpuset.cpus")).trim());
                            Path shares = CPU.resolve("vireo").resolve(d.getFileName()).resolve("cpu.shares");
                            if (Files.exists(shares)) {
                                sharesSeen.computeIfAbsent("/vireo/" + d.getFileName(),
                                        k -> ConcurrentHashMap.newKeySet()).add(Files.readString(shares).trim());
                            }
                        } catch (java.io.IOException e) {
                            // created or removed meanwhile
                        }
                    }
                } catch (java.io.IOException e) {
                    // /vireo not there yet
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        InvokeReply a;
        InvokeReply b;
        try {
            // own threads: the common pool has one thread on 2 cores, which would run them one after the other
            CompletableFuture<InvokeReply> fa = new CompletableFuture<>();
            CompletableFuture<InvokeReply> fb = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> fa.complete(w.invoke("cga-1", "{\"ms\": 1500}")));
            Thread.ofPlatform().start(() -> fb.complete(w.invoke("cgb-1", "{\"ms\": 1500}")));
            a = fa.get(120, TimeUnit.SECONDS);
            b = fb.get(120, TimeUnit.SECONDS);
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertTrue(a.getSuccess(), a.toString());
        assertTrue(b.getSuccess(), b.toString());
        String cpusA = find(ALLOWED, a.getResult());
        String cpusB = find(ALLOWED, b.getResult());
        assertTrue(Set.of("0", "1").containsAll(List.of(cpusA, cpusB)), a.getResult() + " / " + b.getResult());
        assertNotEquals(cpusA, cpusB, "two at once: the least loaded group is the other one");
        Map<String, String> groupOf = Map.of(find(CGROUP, a.getResult()), cpusA, find(CGROUP, b.getResult()), cpusB);
        for (var e : groupOf.entrySet()) {
            Set<String> values = seen.getOrDefault(e.getKey(), Set.of());
            assertTrue(values.contains(e.getValue()), "host cpuset.cpus of " + e.getKey() + " was its group's CPU "
                    + e.getValue() + " while it ran: " + values);
            // "" only in the instant runc made the cgroup and had not filled it in yet (v1 starts a cpuset empty)
            assertTrue(Set.of("", full, e.getValue()).containsAll(values), "only its full set or its group's: " + values);
        }
        return groupOf;
    }

    private static String find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertTrue(m.find(), p + " in " + text);
        return m.group(1);
    }
}
