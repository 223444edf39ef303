package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Native;
import dev.vireo.bpf.BpfArtifacts;
import dev.vireo.bpf.CpuGroupMaps;
import dev.vireo.cli.instance.Instance;
import dev.vireo.testkit.QemuGuest;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker with the cpu-groups tracker in mode sched-ext, end to end on a sched_ext kernel: boots it under QEMU and
 * runs {@link SchedExtWorkerGuest} there, which starts the worker profile (./vireo's own launcher code), registers
 * and invokes functions on the process backend, and reports. Checked here: the tracker loaded the scheduler (no
 * fallback), each function's process ran only on its group's CPU and under SCHED_EXT while two ran at once, both were
 * in the scheduler's map while they ran and neither afterwards (a failed invocation included), and stopping the
 * worker detached the scheduler and removed its pins and the processes' cgroups. Skipped, saying why, without root,
 * QEMU, the sched_ext kernel or the built BPF artifacts and distro. About 2-4 minutes (TCG).
 */
class SchedExtWorkerQemuIT {
    private static final long TIMEOUT_S = 600;

    @Test
    void theWorkerRunsEachFunctionOnlyOnItsGroupsCpuUnderTheSchedExtScheduler(@TempDir Path results) throws Exception {
        Path home = LaunchedWorker.HOME;
        Optional<String> unbootable = QemuGuest.unbootable(home);
        assumeTrue(unbootable.isEmpty(), () -> "skipped: " + unbootable.orElse(""));
        Path kernel = QemuGuest.kernel(home);
        Optional<String> missing = BpfArtifacts.in(home).missing();
        assumeTrue(missing.isEmpty(), () -> "skipped: " + missing.orElse(""));
        List<String> command = QemuGuest.java("192m", classpath(), SchedExtWorkerGuest.class.getName(),
                home.toString(), "/run/results");
        Path file = QemuGuest.runForResult(home, kernel, results, command, TIMEOUT_S, "result.properties");
        Properties r = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            r.load(in);
        }
        System.out.println("guest result " + r);
        String context = "\nresult " + r + "\nguest output:\n" + QemuGuest.tail(results.resolve("guest.log"));
        assertFalse(r.containsKey("error"), "the guest driver failed: " + context);
        assertEquals("enabled", r.getProperty("state_running"), "the tracker loaded the scheduler" + context);
        assertEquals("vireo", r.getProperty("ops"), context);
        // group 0 = CPU 1 (pinone), group 1 = CPU 0 (pinzero)
        assertEquals(Set.of("1"), cpus(r, "pinone"), "pinone ran only on CPU 1" + context);
        assertEquals(Set.of("0"), cpus(r, "pinzero"), "pinzero ran only on CPU 0" + context);
        for (String fn : List.of("pinone", "pinzero")) {
            assertEquals(Set.of("7"), keys(r.getProperty(fn + "_policies")), fn + " ran as SCHED_EXT" + context);
            String cgroup = r.getProperty(fn + "_cgroup");
            assertTrue(cgroup.startsWith("/vireo-process/") && cgroup.contains(fn), fn + " in its own cgroup" + context);
            assertTrue(r.getProperty("cgroups_running").contains(cgroup.substring("/vireo-process/".length())),
                    "its warm process keeps it" + context);
        }
        assertEquals("0", r.getProperty("members_before"), "nothing mapped between invocations" + context);
        assertEquals(2, Integer.parseInt(r.getProperty("members_most")), "both mapped while both ran" + context);
        // id=group/expected_ns: each bound with its function's expected execution (the warm-up's ~100 ms), for srt
        List<String[]> seen = Arrays.stream(r.getProperty("members_seen").split(" ")).map(s -> s.split("[=/]"))
                .toList();
        assertEquals(Set.of("0", "1"), seen.stream().map(m -> m[1]).collect(Collectors.toSet()), context);
        for (String[] m : seen) {
            long expectedNs = Long.parseLong(m[2]);
            assertTrue(expectedNs >= 50_000_000L && expectedNs < 3_000_000_000L, "expected execution in the map, ns: "
                    + expectedNs + context);
        }
        assertEquals("0", r.getProperty("members_after"), "unmapped when the invocations ended" + context);
        assertEquals("502", r.getProperty("failed_status"), "examples/raises fails (USER_ERROR)" + context);
        assertEquals("0", r.getProperty("members_after_failure"), "unmapped after a failed invocation" + context);
        assertEquals("disabled", r.getProperty("state_after_stop"), "stopping the worker detached it" + context);
        assertEquals("false", r.getProperty("pins_after_stop"), context);
        assertEquals("", r.getProperty("cgroups_after_stop"), "the processes' cgroups were removed" + context);
    }

    private static Set<String> cpus(Properties r, String fn) {
        return keys(r.getProperty(fn + "_cpus"));
    }

    /** The keys of "k:v,k:v". */
    private static Set<String> keys(String pairs) {
        return pairs == null || pairs.isBlank() ? Set.of()
                : Arrays.stream(pairs.split(",")).map(p -> p.split(":")[0]).collect(Collectors.toSet());
    }

    /** The guest driver, ./vireo's launcher code, the map reader and JNA: the same paths in the guest. */
    private static String classpath() throws Exception {
        List<String> cp = new ArrayList<>();
        for (Class<?> c : List.of(SchedExtWorkerGuest.class, Instance.class, CpuGroupMaps.class, Native.class)) {
            cp.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, cp);
    }
}
