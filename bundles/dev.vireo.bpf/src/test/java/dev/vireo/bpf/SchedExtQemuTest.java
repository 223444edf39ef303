package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Native;
import dev.vireo.testkit.QemuGuest;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler on a real sched_ext kernel: boots it under QEMU and runs {@link SchedExtGuest} there (the host's JDK
 * and this module's classes, over the read-only 9p root), then checks its result: tasks of mapped cgroups ran only
 * on their group's CPU, unmapped ones ran, and stopping (or killing) the loader gave the default scheduler back.
 * Skipped, saying why, without root, QEMU, the kernel ({@code VIREO_SCX_KERNEL} or
 * {@code ../shared/sched-ext-kernel/bzImage-6.12.117-scx}) or the built BPF artifacts. About 30-150 s.
 */
class SchedExtQemuTest {
    private static final long TIMEOUT_S = 300;
    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\": (\"(?:[^\"\\\\]|\\\\.)*\"|[^,\\n]+)");

    @Test
    void mappedTasksRunOnlyOnTheirGroupsCpuAndDetachRestoresTheDefaultScheduler(@TempDir Path results)
            throws Exception {
        Path home = Artifacts.home();
        Optional<String> unbootable = QemuGuest.unbootable(home);
        assumeTrue(unbootable.isEmpty(), () -> "skipped: " + unbootable.orElse(""));
        Path kernel = QemuGuest.kernel(home);
        Artifacts.assumeBuilt();
        List<String> command = QemuGuest.java("256m", classpath(), SchedExtGuest.class.getName(), home.toString(),
                "/run/results");
        Path json = QemuGuest.runForResult(home, kernel, results, command, TIMEOUT_S, "result.json");
        Map<String, String> r = parse(Files.readString(json));
        System.out.println("guest result " + r);
        String context = "\nresult " + r + "\nguest output:\n" + QemuGuest.tail(results.resolve("guest.log"));

        assertTrue(!r.containsKey("error"), "the guest driver failed: " + context);
        assertEquals("\"enabled\"", r.get("state_loaded"), context);
        assertEquals("\"vireo\"", r.get("ops"), context);
        assertEquals("true", r.get("policy_ext"), "every busy loop is SCHED_EXT" + context);
        assertEquals(4, num(r, "confined_tasks"), "SchedExtGroups.confine moved each mapped cgroup's two loops"
                + context);
        assertEquals(2, num(r, "members"), "g0 and g1 mapped, un not" + context);
        assertEquals("true", r.get("released"), context);
        assertEquals(1, num(r, "members_after_release"), "release unmapped g1" + context);
        // group 0 = CPU 1, group 1 = CPU 0
        assertEquals(0, num(r, "g0_cpu0"), "group 0's tasks never on CPU 0" + context);
        assertTrue(num(r, "g0_cpu1") > 0, context);
        assertEquals(0, num(r, "g1_cpu1"), "group 1's tasks never on CPU 1" + context);
        assertTrue(num(r, "g1_cpu0") > 0, context);
        for (String cg : List.of("g0", "g1", "un", "g0x")) {
            assertTrue(num(r, cg + "_ticks") > 0, "every task of " + cg + " got CPU time" + context);
        }
        // g0x: in group 0 (CPU 1) but allowed only CPU 0: the shared queue runs it there, nothing waits forever
        assertEquals(0, num(r, "g0x_cpu1"), context);
        assertTrue(num(r, "gstat0_enqueued") > 0 && num(r, "gstat0_dispatched") > 0, context);
        assertEquals(0, num(r, "stop_exit"), "the loader stopped cleanly" + context);
        assertEquals("\"disabled\"", r.get("state_after_stop"), "detached: default scheduler back" + context);
        assertEquals("false", r.get("pins_after_stop"), context);
        assertEquals("true", r.get("running_after_stop"), "the tasks run on under the default class" + context);
        assertTrue(num(r, "after_g0_cpu0") > 0 && num(r, "after_g0_cpu1") > 0, "without the scheduler the fair"
                + " class spreads group 0's two loops (the others stopped) over both CPUs: the sampling does see the"
                + " other CPU" + context);
        assertEquals("\"enabled\"", r.get("state_reloaded"), context);
        assertEquals("\"disabled\"", r.get("state_after_kill"), "a SIGKILLed loader's scheduler is detached" + context);
    }

    /** This module's classes, its test classes and JNA: the same paths in the guest (the root is shared). */
    private static String classpath() throws Exception {
        List<String> cp = new ArrayList<>();
        for (Class<?> c : List.of(SchedExtGuest.class, BpfLoader.class, Native.class)) {
            cp.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, cp);
    }

    private static Map<String, String> parse(String json) {
        Map<String, String> out = new TreeMap<>();
        Matcher m = FIELD.matcher(json);
        while (m.find()) {
            out.put(m.group(1), m.group(2).strip());
        }
        return out;
    }

    private static long num(Map<String, String> r, String key) {
        String v = r.get(key);
        if (v == null) {
            throw new AssertionError("the guest's result has no " + key + ": " + r);
        }
        return Long.parseLong(v);
    }
}
