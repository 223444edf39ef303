package dev.vireo.resource.cpugroups.internal;

import dev.vireo.api.model.ContainerPlacement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Mode {@code cpuset}: writes the group's CPUs into the container's {@code cpuset.cpus} (cgroup v1:
 * {@code /sys/fs/cgroup/cpuset/<path>/cpuset.cpus}; v2: {@code <dir>/cpuset.cpus}, present when the parent enables
 * the cpuset controller) and writes back what was there at unbind. Every process of the container, present and
 * future, then runs only on those CPUs. A group with a {@link CpuGroup#weight weight} also sets the container's CPU
 * weight ({@code cpu.shares} = weight x 1024 / 100 in the v1 cpu hierarchy, else {@code cpu.weight} in its cgroup2
 * directory), restored with the CPUs. Works on any kernel; no in-group ordering or time slice (the kernel's own
 * scheduler shares a group's CPUs). It keeps a container confined while it is idle ({@link #keepsIdle}) when
 * configured to ({@code idle = keep}). Stateless: safe from any thread.
 */
final class CpusetEnforcer implements GroupEnforcer {
    static final String FILE = "cpuset.cpus";
    static final String SHARES = "cpu.shares";
    static final String WEIGHT = "cpu.weight";

    private final String name;
    private final boolean keepIdle;

    CpusetEnforcer() {
        this("cpuset", false);
    }

    /**
     * One that names itself {@code name} (the sched-ext mode's fallback says why it fell back).
     *
     * @param keepIdle whether a container stays in its group between invocations ({@code idle = keep})
     */
    CpusetEnforcer(String name, boolean keepIdle) {
        this.name = name;
        this.keepIdle = keepIdle;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean keepsIdle() {
        return keepIdle;
    }

    @Override
    public Optional<Bound> bind(CpuGroup group, ContainerPlacement placement, long expectedNs) throws IOException {
        Optional<Path> file = file(placement);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Path target = file.get();
        String previous = Files.readString(target).trim();
        Optional<Saved> weight = group.weight() > 0 ? saved(placement) : Optional.empty();
        write(target, group.cpus().toString());
        if (weight.isPresent()) {
            try {
                write(weight.get().file(), weightValue(weight.get().file(), group.weight()));
            } catch (IOException e) {
                try {
                    write(target, previous.isEmpty() ? "\n" : previous); // all or nothing: the caller sees it unconfined
                } catch (IOException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        }
        return Optional.of(new Bound(group, placement, target, previous, weight));
    }

    @Override
    public Bound move(Bound bound, CpuGroup group, long expectedNs) throws IOException {
        if (!bound.group().cpus().equals(group.cpus())) {
            write(bound.target(), group.cpus().toString());
        }
        Optional<Saved> weight = bound.weight();
        if (group.weight() > 0) {
            if (weight.isEmpty()) {
                weight = saved(bound.placement());
            }
            if (weight.isPresent() && (bound.weight().isEmpty() || bound.group().weight() != group.weight())) {
                write(weight.get().file(), weightValue(weight.get().file(), group.weight()));
            }
        } else if (weight.isPresent()) {
            write(weight.get().file(), weight.get().value()); // this group leaves the weight alone: the container's own
            weight = Optional.empty();
        }
        return new Bound(group, bound.placement(), bound.target(), bound.previous(), weight);
    }

    @Override
    public void unbind(Bound bound) throws IOException {
        IOException failed = null;
        try {
            // v2: an empty cpuset.cpus means "the parent's"; v1 never has an empty one while tasks run in it
            restore(bound.target(), bound.previous().isEmpty() ? "\n" : bound.previous());
        } catch (IOException e) {
            failed = e;
        }
        if (bound.weight().isPresent()) { // even when the CPUs could not be put back
            try {
                restore(bound.weight().get().file(), bound.weight().get().value());
            } catch (IOException e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /** Writes a value back; a file that is gone (the container's cgroup went with it) has nothing to restore. */
    private static void restore(Path file, String value) throws IOException {
        try {
            write(file, value);
        } catch (NoSuchFileException e) {
            // nothing to restore
        }
    }

    @Override
    public void close() {
    }

    /** The container's cpuset.cpus: the v1 cpuset hierarchy first, else its cgroup2 directory's, if it exists. */
    static Optional<Path> file(ContainerPlacement placement) {
        Optional<Path> v1 = placement.controller("cpuset").map(d -> d.resolve(FILE)).filter(Files::exists);
        return v1.isPresent() ? v1 : placement.unified().map(d -> d.resolve(FILE)).filter(Files::exists);
    }

    /** The container's CPU weight file: v1 {@code cpu.shares} first, else its cgroup2 {@code cpu.weight}. */
    static Optional<Path> weightFile(ContainerPlacement placement) {
        Optional<Path> v1 = placement.controller("cpu").map(d -> d.resolve(SHARES)).filter(Files::exists);
        return v1.isPresent() ? v1 : placement.unified().map(d -> d.resolve(WEIGHT)).filter(Files::exists);
    }

    /** {@code weight} (cgroup v2 units) as the file wants it: v1 shares are 1,024 for a plain task's 100. */
    static String weightValue(Path file, int weight) {
        return file.getFileName().toString().equals(SHARES) ? Long.toString(Math.max(2, weight * 1024L / 100))
                : Integer.toString(weight);
    }

    /** The container's CPU weight as it is now, if it has a weight file. */
    private static Optional<Saved> saved(ContainerPlacement placement) throws IOException {
        Optional<Path> file = weightFile(placement);
        return file.isEmpty() ? Optional.empty() : Optional.of(new Saved(file.get(), Files.readString(file.get()).trim()));
    }

    private static void write(Path file, String value) throws IOException {
        // no CREATE: a cgroup file that is gone must stay gone (NoSuchFileException)
        Files.writeString(file, value, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
