package dev.vireo.backend.process.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-process cgroups on this host's real cgroup tree (root): a process started through {@link ProcessCgroups#join}
 * is in its own cgroup in every hierarchy before it runs anything, and removal kills what is left and removes the
 * folders.
 */
class ProcessCgroupsTest {
    private final String parent = "vireo-test-" + ProcessHandle.current().pid();
    private final ProcessCgroups cgroups = new ProcessCgroups(ProcessCgroups.ROOT, Path.of(parent));

    @AfterEach
    void tidy() throws Exception {
        for (Path h : cgroups.hierarchies()) {
            Path p = h.resolve(parent);
            if (Files.isDirectory(p)) {
                try (var s = Files.walk(p)) {
                    for (Path d : s.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(d);
                    }
                }
            }
        }
    }

    @Test
    void aJoinedProcessRunsInItsOwnCgroupFromItsFirstInstructionAndRemovalLeavesNothing() throws Exception {
        assumeTrue(cgroups.usable(), "needs a writable cgroup tree (root)");
        List<Path> procs = cgroups.create("w1", "c-1");
        assertEquals(cgroups.hierarchies().size(), procs.size());
        // the command reads its own cgroup: it is already inside when it starts
        Process p = new ProcessBuilder(ProcessCgroups.join(procs, List.of("/bin/sh", "-c",
                "cat /proc/self/cgroup; echo END; exec sleep 30"))).redirectErrorStream(true).start();
        StringBuilder first = new StringBuilder();
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
            for (String line = in.readLine(); line != null && !line.equals("END"); line = in.readLine()) {
                first.append(line).append('\n');
            }
        }
        try {
            assertTrue(first.toString().contains("/" + parent + "/w1/c-1"), first.toString());
            for (Path f : procs) {
                assertEquals(List.of(p.pid()), ProcessCgroups.pids(f.getParent()), "exec kept the pid: " + f);
            }
            Path cpuset = ProcessCgroups.ROOT.resolve("cpuset").resolve(parent).resolve("w1/c-1/cpuset.cpus");
            if (Files.exists(cpuset)) {
                assertFalse(Files.readString(cpuset).isBlank(), "v1 cpuset got its parent's CPUs");
            }
        } finally {
            p.destroyForcibly();
        }
        p.waitFor(10, TimeUnit.SECONDS);
        assertEquals(List.of(), cgroups.remove("w1", "c-1"));
        for (Path f : procs) {
            assertFalse(Files.exists(f.getParent()), f.getParent() + " removed");
        }
    }

    @Test
    void removalKillsWhatTheProcessLeftBehind() throws Exception {
        assumeTrue(cgroups.usable(), "needs a writable cgroup tree (root)");
        List<Path> procs = cgroups.create("w1", "c-2");
        // the agent's own child outlives it (setsid: not in its process group either)
        Process p = new ProcessBuilder(ProcessCgroups.join(procs, List.of("/bin/sh", "-c",
                "setsid sleep 60 > /dev/null 2>&1 & echo $!"))).start();
        long orphan = Long.parseLong(new String(p.getInputStream().readAllBytes()).trim());
        p.waitFor(10, TimeUnit.SECONDS);
        assertTrue(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false));
        List<Path> left = cgroups.remove("w1", "c-2");
        ProcessHandle.of(orphan).ifPresent(h -> h.onExit().join());
        if (!left.isEmpty()) {
            left = cgroups.remove("w1", "c-2"); // the kill was sent; the folder frees once the process is reaped
        }
        assertEquals(List.of(), left);
        assertEquals(0, cgroups.removeIdle("w1"));
    }

    @Test
    void aJoinThatCannotWriteFailsBeforeTheCommandRuns() throws Exception {
        Process p = new ProcessBuilder(ProcessCgroups.join(List.of(Path.of("/nonexistent/cgroup.procs")),
                List.of("/bin/echo", "ran"))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(125, p.waitFor());
        assertFalse(out.contains("ran"), out);
    }

    @Test
    void settingsAreCheckedAndAutoDependsOnWhetherCgroupsCanBeMade() {
        assertTrue(ProcessBackend.cgroups("none", ProcessCgroups.ROOT).isEmpty());
        assertTrue(ProcessBackend.cgroups("", ProcessCgroups.ROOT).isEmpty());
        assertEquals(new ProcessCgroups(ProcessCgroups.ROOT, Path.of("x")).usable(),
                ProcessBackend.cgroups("auto", ProcessCgroups.ROOT).isPresent());
        assertTrue(ProcessBackend.cgroups("auto", Path.of("/nonexistent")).isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProcessBackend.cgroups("/abs", ProcessCgroups.ROOT));
        assertTrue(e.getMessage().startsWith("cgroup: '/abs'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProcessBackend.cgroups("../up", ProcessCgroups.ROOT));
    }
}
