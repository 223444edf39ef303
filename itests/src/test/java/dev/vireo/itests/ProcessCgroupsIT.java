package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vireo.grpc.v1.InvokeReply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The process backend on this host (root, cgroup tree writable): each agent process gets a cgroup of its own under
 * {@code /sys/fs/cgroup/vireo-process/<instance>/}, and stopping the worker removes all of it before the worker
 * exits, although the processes are still warm at that moment (cleanup that waits for an exit callback never runs in
 * a JVM that is exiting).
 */
class ProcessCgroupsIT {
    /** The backend's folder in each hierarchy it uses: cgroup2, or on a hybrid host unified, cpuset and memory. */
    private static final Path[] PARENTS = Stream.of("", "unified", "cpuset", "memory")
            .map(h -> Path.of("/sys/fs/cgroup", h, "vireo-process")).toArray(Path[]::new);
    private LaunchedWorker w;

    @AfterEach
    void stop() throws Exception {
        if (w != null) {
            w.stop();
        }
    }

    @Test
    void stoppingTheWorkerRemovesTheCgroupsOfItsWarmProcesses() throws Exception {
        assumeTrue("root".equals(ProcessHandle.current().info().user().orElse("")), "needs root");
        Set<String> before = cgroups();
        // a worker name of its own: the cgroups of other tests' workers (worker-1, some still exiting when this one
        // starts) are not in its instance's folder
        w = new LaunchedWorker(Map.of("vireo.kernel.cfg", Map.of("backends", "process"),
                "vireo.worker.cfg", Map.of("name", "pcg-it-" + ProcessHandle.current().pid())));
        w.start();
        w.register(LaunchedWorker.example("pcg", "hello", "process", "uds", 64, 30_000));
        w.register(LaunchedWorker.example("pcg2", "hello", "process", "pipe", 64, 30_000));
        for (String fn : new String[] {"pcg", "pcg2"}) {
            InvokeReply r = w.invoke(fn + "-1", "{\"name\": \"cg\"}");
            assertTrue(r.getResult().contains("cg"), r.toString());
        }
        Set<String> running = cgroups();
        running.removeAll(before);
        assumeTrue(!running.isEmpty(), "the backend made no cgroups here (cgroup = auto found the tree unusable)");
        assertEquals(2, running.size(), "one cgroup per warm process: " + running);
        assertTrue(running.stream().allMatch(c -> c.startsWith("pcg-it-")), "under its own instance: " + running);
        // the record's CPU time is the process cgroup's accounting during the call: a CPU-bound call spends most of
        // its execution on a CPU; this host has no RAPL, so no energy
        w.register(LaunchedWorker.example("pcgcpu", "cpu-bound", "process", "uds", 64, 60_000));
        w.invoke("pcgcpu-1", "{\"n\": 100}"); // cold: the interpreter's start is not the call's
        InvokeReply busy = w.invoke("pcgcpu-1", "{\"n\": 3000000}");
        var t = busy.getRecord().getTimings();
        assertTrue(t.hasCpuTimeUs() && t.getCpuTimeUs() > 0.3 * t.getExecutionUs()
                && t.getCpuTimeUs() < 1.5 * t.getTransportUs() + 1.5 * t.getExecutionUs() + 50_000, busy.toString());
        assertEquals(raplReadable(), t.hasEnergyUj(), busy.toString());
        w.stop();
        w = null;
        Set<String> after = cgroups();
        after.retainAll(running);
        assertEquals(Set.of(), after, "the warm processes' cgroups outlived the worker");
        for (String c : running) {
            String instance = c.substring(0, c.indexOf('/'));
            for (Path parent : PARENTS) {
                assertTrue(!Files.exists(parent.resolve(instance)), "the instance's folder is removed: " + parent);
            }
        }
    }

    /** Whether this host's first RAPL package counter can be read (the worker then reports energy). */
    private static boolean raplReadable() {
        try {
            Long.parseLong(Files.readString(Path.of("/sys/class/powercap/intel-rapl:0/energy_uj")).trim());
            return true;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** INSTANCE/CONTAINER under the backend's folders. */
    private static Set<String> cgroups() throws IOException {
        Set<String> out = new TreeSet<>();
        for (Path dir : PARENTS) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.walk(dir, 2)) {
                    s.filter(d -> Files.isDirectory(d) && d.getNameCount() == dir.getNameCount() + 2)
                            .forEach(d -> out.add(dir.relativize(d).toString()));
                }
            }
        }
        return out;
    }
}
