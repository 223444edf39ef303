package dev.vireo.bpf;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The guest side of {@link SchedExtQemuTest}: runs inside the QEMU guest (kernel with sched_ext) as its one command,
 * and drives the scheduler the way the worker will: {@link BpfLoader}, {@link CpuGroupMaps}, {@link SchedPolicy}.
 *
 * <p>Group 0 = CPU 1 (FIFO), group 1 = CPU 0 (SRT); cgroups {@code g0} and {@code g1} mapped to them and {@code un}
 * unmapped, two busy loops in each, plus one in {@code g0} allowed only CPU 0 ({@code g0x}), all moved to
 * SCHED_EXT. It samples on which CPU each ran ({@code /proc/PID/stat}
 * field 39) and how much CPU time each got, stops the loader (clean detach) and checks the default scheduler is back
 * and the loops still run, then loads it again and SIGKILLs the loader (the kernel detaches). Writes
 * {@code result.json} (flat: {@code "key": value}) to the results directory; the host test asserts on it.
 *
 * <p>Arguments: the repository root (as the guest sees it: the same path) and the results directory.
 */
public final class SchedExtGuest {
    private static final Path STATE = Path.of("/sys/kernel/sched_ext/state");
    private static final Path OPS = Path.of("/sys/kernel/sched_ext/root/ops");
    private static final Duration READY = Duration.ofSeconds(120);
    private static final int SAMPLES = 100;
    private static final long SAMPLE_MS = 30;
    private static final String[] CGROUPS = {"g0", "g1", "un"};
    /** Labels of the busy loops: per cgroup, and g0x: one in g0 whose affinity (CPU 0) excludes group 0's CPU 1. */
    private static final String[] LABELS = {"g0", "g1", "un", "g0x"};
    private static final int BUSY_PER_CGROUP = 2;

    private final Map<String, Object> result = new LinkedHashMap<>();

    private SchedExtGuest() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        Path results = Path.of(args[1]);
        SchedExtGuest guest = new SchedExtGuest();
        int rc = 0;
        try {
            guest.run(BpfArtifacts.in(home).require());
        } catch (Throwable t) {
            StringWriter trace = new StringWriter();
            t.printStackTrace(new PrintWriter(trace));
            System.err.println(trace);
            guest.result.put("error", t.toString());
            rc = 1;
        }
        Files.writeString(results.resolve("result.json"), guest.json());
        System.out.println(guest.json());
        System.exit(rc);
    }

    private void run(BpfArtifacts artifacts) throws Exception {
        long t0 = System.nanoTime();
        Path pins = Path.of("/sys/fs/bpf/vireo-sched");
        result.put("state_before", read(STATE));
        List<TestCgroup> cgroups = new ArrayList<>();
        Map<Integer, String> labels = new LinkedHashMap<>();
        // as the worker's cpu-groups tracker does it (mode sched-ext): SchedExtGroups over loader, maps and policy
        SchedExtGroups groups = SchedExtGroups.start(artifacts, pins, READY);
        result.put("loader_ready_ms", (System.nanoTime() - t0) / 1_000_000);
        try {
            CpuGroupMaps maps = groups.maps();
            groups.define(0, 1L << 1, 5_000_000, Order.FIFO);
            groups.define(1, 1L << 0, 5_000_000, Order.SRT);
            int confined = 0;
            for (String name : CGROUPS) {
                TestCgroup cg = TestCgroup.create("vireo-" + name);
                cgroups.add(cg);
                for (int i = 0; i < BUSY_PER_CGROUP; i++) {
                    labels.put(cg.startBusy(null), name);
                }
                if (name.equals("g0")) {
                    confined += groups.confine(cg.dir(), 0, 0);
                } else if (name.equals("g1")) {
                    confined += groups.confine(cg.dir(), 1, 50_000_000);
                } else {
                    for (int pid : cg.pids()) {
                        SchedPolicy.setExt(pid); // SCHED_EXT but in no group: the shared queue
                    }
                }
            }
            result.put("confined_tasks", confined);
            int outside = cgroups.get(0).startBusy("0");
            SchedPolicy.setExt(outside);
            labels.put(outside, "g0x");
            result.put("members", maps.members().size());
            result.put("policy_ext", labels.keySet().stream().allMatch(pid -> policy(pid) == SchedPolicy.SCHED_EXT));
            result.put("state_loaded", read(STATE));
            result.put("ops", read(OPS));
            Map<Integer, Long> cpuBefore = cpuTicks(labels.keySet());
            sample(labels, "");
            Map<Integer, Long> cpuAfter = cpuTicks(labels.keySet());
            for (String name : LABELS) {
                result.put(name + "_ticks", labels.entrySet().stream().filter(e -> e.getValue().equals(name))
                        .mapToLong(e -> cpuAfter.get(e.getKey()) - cpuBefore.get(e.getKey())).min().orElse(-1));
            }
            for (int g = 0; g < 2; g++) {
                GroupStats st = maps.stats(g);
                result.put("gstat" + g + "_enqueued", st.enqueued());
                result.put("gstat" + g + "_dispatched", st.dispatched());
            }
            result.put("released", groups.release(cgroups.get(1).dir()));
            result.put("members_after_release", maps.members().size());
        } finally {
            result.put("stop_exit", groups.loader().stop());
            groups.close();
        }
        result.put("state_after_stop", awaitState("disabled"));
        result.put("pins_after_stop", Files.exists(pins));
        Map<Integer, Long> before = cpuTicks(labels.keySet());
        Thread.sleep(1000);
        Map<Integer, Long> after = cpuTicks(labels.keySet());
        result.put("running_after_stop", labels.keySet().stream().allMatch(pid -> after.get(pid) > before.get(pid)));
        // only group 0's two loops left running (the others stopped): with the scheduler gone the fair class spreads
        // them over both CPUs at once, where under it they shared CPU 1. With all seven running, the fair class may
        // find the placement the scheduler left balanced enough and move nothing.
        List<Integer> others = labels.entrySet().stream().filter(e -> !e.getValue().equals("g0")).map(Map.Entry::getKey)
                .toList();
        signal("STOP", others);
        sample(labels, "after_");
        signal("CONT", others);

        BpfLoader again = BpfLoader.start(artifacts.loader(), BpfLoader.Kind.SCHED, artifacts.schedObject(), pins,
                READY);
        result.put("state_reloaded", read(STATE));
        again.kill();
        again.close();
        result.put("state_after_kill", awaitState("disabled"));
        for (TestCgroup cg : cgroups) {
            cg.close();
        }
        result.put("driver_ms", (System.nanoTime() - t0) / 1_000_000);
    }

    /** Counts, per cgroup label and CPU, on which CPU each process last ran, {@link #SAMPLES} times. */
    private void sample(Map<Integer, String> labels, String prefix) throws Exception {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String name : LABELS) {
            counts.put(prefix + name + "_cpu0", 0);
            counts.put(prefix + name + "_cpu1", 0);
        }
        for (int i = 0; i < SAMPLES; i++) {
            for (Map.Entry<Integer, String> e : labels.entrySet()) {
                counts.merge(prefix + e.getValue() + "_cpu" + statField(e.getKey(), 39), 1, Integer::sum);
            }
            Thread.sleep(SAMPLE_MS);
        }
        result.putAll(counts);
    }

    private static void signal(String signal, List<Integer> pids) throws Exception {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        pids.forEach(pid -> command.add(Integer.toString(pid)));
        int rc = new ProcessBuilder(command).inheritIO().start().waitFor();
        if (rc != 0) {
            throw new IOException(command + " exited " + rc);
        }
    }

    private static Map<Integer, Long> cpuTicks(Iterable<Integer> pids) throws IOException {
        Map<Integer, Long> ticks = new LinkedHashMap<>();
        for (int pid : pids) {
            ticks.put(pid, Long.parseLong(statField(pid, 14)) + Long.parseLong(statField(pid, 15)));
        }
        return ticks;
    }

    /** Field {@code n} (1-based, as in proc(5)) of /proc/PID/stat. */
    static String statField(int pid, int n) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return rest[n - 3];
    }

    private static int policy(int pid) {
        try {
            return SchedPolicy.policy(pid);
        } catch (IOException e) {
            return -1;
        }
    }

    private static String awaitState(String wanted) throws Exception {
        String state = read(STATE);
        for (int i = 0; i < 100 && !state.equals(wanted); i++) {
            Thread.sleep(100);
            state = read(STATE);
        }
        return state;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private String json() {
        return result.entrySet().stream().map(e -> "  \"" + e.getKey() + "\": " + (e.getValue() instanceof String s
                ? "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"" : e.getValue()))
                .collect(Collectors.joining(",\n", "{\n", "\n}\n"));
    }
}
