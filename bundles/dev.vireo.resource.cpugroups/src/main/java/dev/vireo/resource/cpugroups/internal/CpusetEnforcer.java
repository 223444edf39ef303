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
 * future, then runs only on those CPUs. Works on any kernel; no in-group ordering or time slice (the kernel's own
 * scheduler shares a group's CPUs). Stateless: safe from any thread.
 */
final class CpusetEnforcer implements GroupEnforcer {
    static final String FILE = "cpuset.cpus";

    private final String name;

    CpusetEnforcer() {
        this("cpuset");
    }

    /** One that names itself {@code name} (the sched-ext mode's fallback says why it fell back). */
    CpusetEnforcer(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<Bound> bind(CpuGroup group, ContainerPlacement placement, long expectedNs) throws IOException {
        Optional<Path> file = file(placement);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Path target = file.get();
        String previous = Files.readString(target).trim();
        write(target, group.cpus().toString());
        return Optional.of(new Bound(group, placement, target, previous));
    }

    @Override
    public void unbind(Bound bound) throws IOException {
        try {
            // v2: an empty cpuset.cpus means "the parent's"; v1 never has an empty one while tasks run in it
            write(bound.target(), bound.previous().isEmpty() ? "\n" : bound.previous());
        } catch (NoSuchFileException e) {
            // the container's cgroup is gone with it: nothing to restore
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

    private static void write(Path file, String value) throws IOException {
        // no CREATE: a cgroup file that is gone must stay gone (NoSuchFileException)
        Files.writeString(file, value, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
