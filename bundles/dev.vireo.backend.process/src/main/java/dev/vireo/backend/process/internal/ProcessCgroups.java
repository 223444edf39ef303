package dev.vireo.backend.process.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * A cgroup of its own for each agent process, so that what confines containers by cgroup (the cpu-groups tracker's
 * {@code cpuset.cpus}, its sched_ext map keyed by cgroup id) confines local processes too. The cgroup of container
 * {@code id} of instance {@code i} is {@code <parent>/<i>/<id>} under the cgroup root, made in cgroup v2 (the root itself, or
 * {@code unified/} on a hybrid host) and in the v1 {@code cpuset} and {@code memory} hierarchies where the host has
 * them. The process joins them before it runs anything: {@link #join} wraps its command in a shell that writes its
 * own pid into each {@code cgroup.procs} and then execs the command (same pid), so nothing the agent starts is ever
 * outside.
 *
 * <p>cgroup v1's {@code cpuset} starts a new cgroup with no CPUs and no memory nodes; each folder made here gets its
 * parent's. On cgroup v2 the parent's {@code cgroup.subtree_control} is asked for {@code cpuset}, {@code cpu} and
 * {@code memory} (best effort: a controller another cgroup holds is simply not there).
 */
final class ProcessCgroups {
    static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final List<String> V1 = List.of("cpuset", "memory");

    private final Path root;
    private final Path parent;
    private final List<Path> hierarchies;

    ProcessCgroups(Path root, Path parent) {
        if (parent.isAbsolute() || parent.normalize().startsWith("..") || parent.toString().isBlank()) {
            throw new IllegalArgumentException("cgroup: '" + parent + "' must be a folder relative to the cgroup root"
                    + " (e.g. vireo-process), auto or none");
        }
        this.root = root;
        this.parent = parent.normalize();
        this.hierarchies = hierarchies(root);
    }

    /** The cgroup root these folders are under. */
    Path root() {
        return root;
    }

    /** The folder of instance {@code instance}'s cgroups, relative to the cgroup root. */
    Path relative(String instance) {
        return parent.resolve(instance.replace('/', '_'));
    }

    /** The folder of container {@code id}'s cgroups, relative to the cgroup root. */
    Path relative(String instance, String id) {
        return relative(instance).resolve(id);
    }

    /** The hierarchies a cgroup is made in: cgroup v2 first (the root, or unified/), then v1 cpuset and memory. */
    List<Path> hierarchies() {
        return hierarchies;
    }

    /** The host's layout under {@code root}, read once: it does not change while the worker runs. */
    private static List<Path> hierarchies(Path root) {
        List<Path> out = new ArrayList<>();
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            out.add(root); // cgroup v2 alone
            return List.copyOf(out);
        }
        if (Files.exists(root.resolve("unified/cgroup.controllers"))) {
            out.add(root.resolve("unified"));
        }
        for (String c : V1) {
            if (Files.exists(root.resolve(c).resolve("cgroup.procs"))) {
                out.add(root.resolve(c));
            }
        }
        return List.copyOf(out);
    }

    /** Whether cgroups can be made here: some hierarchy exists and its root is writable (root, not in a container). */
    boolean usable() {
        return !hierarchies.isEmpty() && Files.isWritable(hierarchies.get(0).resolve("cgroup.procs"));
    }

    /**
     * Makes container {@code id}'s cgroups; returns the {@code cgroup.procs} files its process must join.
     *
     * @throws IOException when a folder cannot be made (the backend then refuses the container)
     */
    List<Path> create(String instance, String id) throws IOException {
        List<Path> procs = new ArrayList<>();
        // a leftover of an earlier run under the same id (ids restart with the worker): its processes go first
        remove(instance, id);
        for (Path h : hierarchies) {
            Path dir = h;
            for (Path part : relative(instance, id)) {
                Path up = dir;
                dir = dir.resolve(part);
                // every level, every time: a parent another create is still filling in (or one a crash left half
                // made) is completed here rather than copied half-made into its child
                enableControllers(up);
                try {
                    Files.createDirectory(dir);
                } catch (java.nio.file.FileAlreadyExistsException exists) {
                    // a shared parent made earlier, or meanwhile by another container's create
                }
                inheritCpuset(up, dir);
            }
            procs.add(dir.resolve("cgroup.procs"));
        }
        if (procs.isEmpty()) {
            throw new IOException("no cgroup hierarchy under " + root + " to place " + id + " in");
        }
        return procs;
    }

    /**
     * {@code command} wrapped so that its process first joins {@code procs}: {@code sh -c '...' vireo-join P1 P2 --
     * command...}; the shell execs the command, so the pid the backend knows is the agent's. A join that fails exits
     * 125 with the reason on stderr, before the agent ever runs.
     */
    static List<String> join(List<Path> procs, List<String> command) {
        List<String> out = new ArrayList<>(List.of("/bin/sh", "-c",
                "while [ \"$1\" != -- ]; do echo $$ > \"$1\" || exit 125; shift; done; shift; exec \"$@\"",
                "vireo-join"));
        procs.forEach(p -> out.add(p.toString()));
        out.add("--");
        out.addAll(command);
        return out;
    }

    /**
     * Kills what is left in container {@code id}'s cgroups (a handler's own children) and removes them. Returns the
     * folders that could not be removed yet (a process still exiting): the caller tries again later.
     */
    List<Path> remove(String instance, String id) {
        List<Path> left = new ArrayList<>();
        for (Path h : hierarchies) {
            Path dir = h.resolve(relative(instance, id));
            if (!Files.isDirectory(dir)) {
                continue;
            }
            for (long pid : pids(dir)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            try {
                Files.delete(dir); // rmdir: a cgroup folder's files are not files
            } catch (IOException e) {
                left.add(dir);
            }
        }
        return left;
    }

    /** Kills every process in container {@code id}'s cgroups; the exits to wait for before {@link #remove}. */
    List<CompletableFuture<ProcessHandle>> kill(String instance, String id) {
        List<CompletableFuture<ProcessHandle>> exits = new ArrayList<>();
        for (Path h : hierarchies) {
            for (long pid : pids(h.resolve(relative(instance, id)))) {
                ProcessHandle.of(pid).ifPresent(p -> {
                    p.destroyForcibly();
                    exits.add(p.onExit());
                });
            }
        }
        return exits;
    }

    /** The folders of {@code instance} that hold no process (a crashed worker's leftovers), removed; how many. */
    int removeIdle(String instance) {
        return removeIdle(instance, java.util.Set.of());
    }

    /** As {@link #removeIdle(String)}, but never the folders of the ids in {@code keep} (being made, or in use). */
    int removeIdle(String instance, java.util.Set<String> keep) {
        int removed = 0;
        for (Path h : hierarchies) {
            Path dir = h.resolve(relative(instance));
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> children = Files.list(dir)) {
                for (Path c : children.filter(Files::isDirectory).toList()) {
                    if (!keep.contains(c.getFileName().toString()) && pids(c).isEmpty()) {
                        try {
                            Files.delete(c);
                            removed++;
                        } catch (IOException e) {
                            // still busy: left for the next start
                        }
                    }
                }
            } catch (IOException e) {
                // unreadable: nothing to tidy
            }
        }
        if (keep.isEmpty()) {
            removeInstanceFolder(instance); // not while one is being placed in it
        }
        return removed;
    }

    /** Removes {@code instance}'s own folder where it holds no cgroup any more; one still in use stays. */
    void removeInstanceFolder(String instance) {
        for (Path h : hierarchies) {
            try {
                Files.deleteIfExists(h.resolve(relative(instance)));
            } catch (IOException e) {
                // a container's cgroup is still in it, or still going away: it stays
            }
        }
    }

    /** Whether {@code instance}'s folder is gone from every hierarchy. */
    boolean instanceGone(String instance) {
        return hierarchies.stream().noneMatch(h -> Files.exists(h.resolve(relative(instance))));
    }

    /** The processes in a cgroup folder (none when it is gone). */
    static List<Long> pids(Path dir) {
        try {
            return Files.readAllLines(dir.resolve("cgroup.procs")).stream().map(String::trim).filter(s -> !s.isEmpty())
                    .map(Long::parseLong).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void enableControllers(Path dir) {
        Path control = dir.resolve("cgroup.subtree_control");
        if (!Files.exists(control)) {
            return; // cgroup v1
        }
        try {
            String available = " " + Files.readString(dir.resolve("cgroup.controllers")).trim() + " ";
            String enabled = " " + Files.readString(control).trim() + " ";
            for (String c : List.of("cpuset", "cpu", "memory")) {
                if (available.contains(" " + c + " ") && !enabled.contains(" " + c + " ")) {
                    try {
                        Files.writeString(control, "+" + c);
                    } catch (IOException e) {
                        // refused (a process in this folder, a threaded subtree): go without this one
                    }
                }
            }
        } catch (IOException e) {
            // go without controllers: the cgroup id still identifies the process
        }
    }

    /** cgroup v1 cpuset: a new folder has no CPUs and no memory nodes until given its parent's. */
    private static void inheritCpuset(Path parent, Path dir) throws IOException {
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
            Path mine = dir.resolve(f);
            if (Files.exists(mine) && Files.readString(mine).isBlank() && !Files.exists(dir.resolve("cgroup.type"))) {
                Files.writeString(mine, Files.readString(parent.resolve(f)).trim());
            }
        }
    }
}
