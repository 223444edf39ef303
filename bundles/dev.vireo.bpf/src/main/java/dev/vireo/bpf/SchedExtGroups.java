package dev.vireo.bpf;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * CPU groups on the sched_ext scheduler, as a control plane uses them: {@link #start} loads and attaches the
 * scheduler ({@link BpfLoader}, {@link BpfLoader.Kind#SCHED}) and opens its maps ({@link CpuGroupMaps});
 * {@link #define} writes a group; {@link #confine} maps a cgroup to a group and moves every task in it to
 * {@code SCHED_EXT} (the scheduler runs in partial mode: it schedules only those); {@link #release} unmaps it (its
 * tasks stay {@code SCHED_EXT} and run on any CPU, from the scheduler's shared queue, until confined again: the next
 * invocation of a warm container is bound again); {@link #close} stops the loader, and the kernel puts every task back
 * in the default class. Threading: {@link #confine} and {@link #release} are safe from any thread (map updates are
 * atomic per key); one caller starts and closes.
 */
public final class SchedExtGroups implements Closeable {
    /** Present when the kernel has sched_ext (CONFIG_SCHED_CLASS_EXT). */
    public static final Path SYSFS = Path.of("/sys/kernel/sched_ext");
    /** Passes over a cgroup's tasks at most: a task created while one pass ran is caught by the next. */
    static final int PASSES = 3;

    private final BpfLoader loader;
    private final CpuGroupMaps maps;

    private SchedExtGroups(BpfLoader loader, CpuGroupMaps maps) {
        this.loader = loader;
        this.maps = maps;
    }

    /**
     * Loads the scheduler with {@code artifacts}, its maps pinned under {@code pinDir} (on bpffs), and opens them.
     *
     * @throws SchedExtUnavailable the kernel has no sched_ext (checked first, then by the loader)
     * @throws IOException the artifacts are missing, the loader failed (its stderr in the message), or the maps
     *     cannot be opened (the loader is stopped then)
     */
    public static SchedExtGroups start(BpfArtifacts artifacts, Path pinDir, Duration timeout) throws IOException {
        if (!Files.isDirectory(SYSFS)) {
            throw new SchedExtUnavailable("this kernel has no sched_ext (" + SYSFS + " is absent:"
                    + " CONFIG_SCHED_CLASS_EXT unset)");
        }
        artifacts.require();
        BpfLoader loader = BpfLoader.start(artifacts.loader(), BpfLoader.Kind.SCHED, artifacts.schedObject(), pinDir,
                timeout);
        boolean opened = false;
        try {
            SchedExtGroups groups = new SchedExtGroups(loader, CpuGroupMaps.open(pinDir));
            opened = true;
            return groups;
        } finally {
            if (!opened) { // whatever failed (an Error of JNA's too), the scheduler does not stay loaded
                loader.kill();
                loader.close();
            }
        }
    }

    /** Writes group {@code index}: its CPUs (bit i = CPU i), time slice and ordering. */
    public void define(int index, long cpuMask, long sliceNs, Order order) throws BpfException {
        maps.defineGroup(index, cpuMask, sliceNs, order);
    }

    /**
     * Puts the cgroup at {@code dir} (a cgroup2 directory) in group {@code group}: its id into the member map, then
     * every task in it to {@code SCHED_EXT} (children inherit the policy). {@code expectedNs}: the work its
     * invocations are expected to take (ordering {@link Order#SRT}), 0 when unknown.
     *
     * @return how many tasks were moved to SCHED_EXT (0 for an empty cgroup)
     * @throws NoSuchFileException the cgroup is gone (nothing is mapped then)
     */
    public int confine(Path dir, int group, long expectedNs) throws IOException {
        long id = Cgroups.id(dir);
        maps.map(id, group, expectedNs);
        try {
            return moveAll(dir);
        } catch (IOException | RuntimeException e) {
            maps.unmap(id); // not confined: not mapped either (nothing would unmap it)
            throw e;
        }
    }

    /** Moves every thread of the cgroup to SCHED_EXT; how many. */
    private int moveAll(Path dir) throws IOException {
        Set<Integer> moved = new HashSet<>();
        for (int pass = 0; pass < PASSES; pass++) {
            List<Integer> tasks = tasks(dir);
            boolean more = false;
            for (int tid : tasks) {
                if (!moved.contains(tid)) {
                    try {
                        SchedPolicy.setExt(tid);
                        moved.add(tid);
                        more = true;
                    } catch (SchedExtUnavailable e) {
                        throw e;
                    } catch (IOException e) {
                        if (Files.exists(Path.of("/proc", Integer.toString(tid)))) {
                            throw e; // refused (EPERM), not gone
                        }
                        // the task exited between the listing and the call: nothing to move
                    }
                }
            }
            if (!more) {
                break;
            }
        }
        return moved.size();
    }

    /** Takes the cgroup at {@code dir} out of its group; false when it was in none. */
    public boolean release(Path dir) throws IOException {
        return release(Cgroups.id(dir));
    }

    /** Takes cgroup {@code id} out of its group; false when it was in none. */
    public boolean release(long id) throws BpfException {
        return maps.unmap(id);
    }

    /** The scheduler's maps (groups, members, per-group counters), for the console. */
    public CpuGroupMaps maps() {
        return maps;
    }

    /** The loader holding the scheduler. */
    public BpfLoader loader() {
        return loader;
    }

    /** Stops the loader (clean detach: every task returns to the default class) and closes the maps. */
    @Override
    public void close() throws IOException {
        maps.close();
        try {
            loader.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            loader.kill();
        } finally {
            loader.close();
        }
    }

    /** Every thread in the cgroup: {@code cgroup.threads} (cgroup2), else the threads of each of its processes. */
    static List<Integer> tasks(Path dir) throws IOException {
        Path threads = dir.resolve("cgroup.threads");
        if (Files.exists(threads)) {
            return ids(Files.readAllLines(threads).stream());
        }
        List<Integer> out = new java.util.ArrayList<>();
        for (int pid : ids(Files.readAllLines(dir.resolve("cgroup.procs")).stream())) {
            try (Stream<Path> t = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
                out.addAll(ids(t.map(p -> p.getFileName().toString())));
            } catch (NoSuchFileException gone) {
                // exited meanwhile
            }
        }
        return out;
    }

    private static List<Integer> ids(Stream<String> lines) {
        return lines.map(String::trim).filter(s -> !s.isEmpty()).map(Integer::parseInt).toList();
    }
}
