package dev.vireo.backend.containerd.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.backend.support.MemoryCap;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime spec of a function container: a read-only root (a skeleton directory, or an image's snapshot; /usr
 * the host's, read-only, unless the image brings its own), the agent and the function's code read-only, the host's
 * shared-library resolution (/etc/alternatives, ld.so cache) read-only with the host's /usr, the transport's mounts
 * read-write, a private /tmp (a directory of its own on disk), a non-root user, no new privileges, no capabilities,
 * no network (an empty network namespace), and memory, CPU and pids limits.
 */
final class OciSpec {
    static final String AGENT_DIR = "/vireo/agent";
    static final String CODE_DIR = "/vireo/code";

    private OciSpec() {
    }

    record Limits(int uid, int gid, int pidsLimit, String python, MemoryCap memoryCap) {
    }

    /**
     * What the root file system brings: a root directory (the skeleton: agent and code are mounted) or an image's
     * snapshot, mounted by the shim at the bundle's "rootfs" (the agent is in the image; code too, unless a code
     * directory is mounted over it). {@code hostUsr}: bind the host's /usr read-only (the image has none of its own).
     * {@code hostLibraries}: host paths of shared-library resolution (/etc/alternatives, /etc/ld.so.cache, ...) bound
     * read-only at the same place, so that libraries of the host's /usr (BLAS for numpy) load; the root must hold
     * their mount points. {@code scratch}: the container's own host directory bound read-write at /tmp (disk-backed
     * scratch space, removed with the container); empty: a tmpfs of the function's scratch_mb.
     */
    record Root(String path, Path agentDir, String codeDir, boolean hostUsr, String handler, List<String> hostLibraries,
            String scratch) {
    }

    /**
     * An image's own process (entrypoint and command, environment, working directory), started instead of the agent
     * when the transport talks to the image's server ({@link TransportBinding#agent()} false).
     */
    record ImageProcess(List<String> args, List<String> env, String cwd) {
        ImageProcess {
            args = List.copyOf(args);
            env = List.copyOf(env);
            cwd = cwd == null || cwd.isEmpty() ? "/" : cwd;
        }
    }

    /** The spec of a container running the agent. */
    static JsonObject build(String id, FunctionSpec fn, TransportBinding binding, Root rootfs, Limits limits) {
        return build(id, fn, binding, rootfs, limits, null);
    }

    /** The spec of a container running the agent ({@code own} null) or the image's own process. */
    static JsonObject build(String id, FunctionSpec fn, TransportBinding binding, Root rootfs, Limits limits,
            ImageProcess own) {
        JsonObject spec = new JsonObject();
        spec.addProperty("ociVersion", "1.0.2");
        JsonObject process = new JsonObject();
        process.addProperty("terminal", false);
        JsonObject user = new JsonObject();
        user.addProperty("uid", limits.uid());
        user.addProperty("gid", limits.gid());
        process.add("user", user);
        java.util.Map<String, String> vars = new java.util.LinkedHashMap<>();
        if (own == null) {
            process.add("args", strings(List.of(limits.python(), "-u", AGENT_DIR + "/vireo_agent.py")));
            vars.put("PATH", "/usr/local/bin:/usr/bin:/bin");
            vars.put("HOME", "/tmp");
            vars.put("PYTHONDONTWRITEBYTECODE", "1");
        } else {
            process.add("args", strings(own.args()));
            // the image's environment (runc sets HOME from its passwd when the image sets none), as docker does
            vars.put("PATH", "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin");
            for (String kv : own.env()) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    vars.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
        }
        vars.putAll(fn.config().environment()); // the function's variables and secrets (they may set PATH, HOME)
        if (own == null) {
            vars.put("VIREO_CODE_DIR", CODE_DIR);
            vars.put("VIREO_HANDLER", rootfs.handler());
        }
        vars.put("VIREO_CONTAINER", id);
        vars.put("VIREO_SCRATCH_MB", Integer.toString(fn.scratchMb()));
        vars.putAll(binding.environment());
        JsonArray env = new JsonArray();
        vars.forEach((k, v) -> env.add(k + "=" + v));
        process.add("env", env);
        process.addProperty("cwd", own == null ? "/tmp" : own.cwd());
        process.addProperty("noNewPrivileges", true);
        JsonObject caps = new JsonObject();
        for (String set : List.of("bounding", "effective", "permitted", "inheritable", "ambient")) {
            caps.add(set, new JsonArray());
        }
        process.add("capabilities", caps);
        JsonObject nofile = new JsonObject();
        nofile.addProperty("type", "RLIMIT_NOFILE");
        nofile.addProperty("hard", 1024);
        nofile.addProperty("soft", 1024);
        JsonArray rlimits = new JsonArray();
        rlimits.add(nofile);
        process.add("rlimits", rlimits);
        spec.add("process", process);

        JsonObject root = new JsonObject();
        root.addProperty("path", rootfs.path());
        root.addProperty("readonly", own == null); // an image's own server: its writable snapshot
        spec.add("root", root);
        spec.addProperty("hostname", id.length() > 63 ? id.substring(0, 63) : id);

        JsonArray mounts = new JsonArray();
        mounts.add(mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        mounts.add(mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        mounts.add(mount("/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")));
        mounts.add(mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        mounts.add(mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        mounts.add(mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
        if (rootfs.scratch().isEmpty()) {
            mounts.add(mount("/tmp", "tmpfs", "tmpfs", List.of("nosuid", "nodev", "mode=1777", "size=" + fn.scratchMb() + "m")));
        } else {
            mounts.add(mount("/tmp", "bind", rootfs.scratch(), List.of("rbind", "rw", "nosuid", "nodev")));
        }
        if (rootfs.hostUsr()) {
            mounts.add(mount("/usr", "bind", "/usr", List.of("rbind", "ro", "nosuid", "nodev")));
        }
        for (String path : rootfs.hostLibraries()) {
            mounts.add(mount(path, "bind", path, List.of("rbind", "ro", "nosuid", "nodev")));
        }
        if (rootfs.agentDir() != null) {
            mounts.add(mount(AGENT_DIR, "bind", rootfs.agentDir().toString(), List.of("rbind", "ro", "nosuid", "nodev")));
        }
        if (!rootfs.codeDir().isEmpty()) {
            mounts.add(mount(CODE_DIR, "bind", rootfs.codeDir(), List.of("rbind", "ro", "nosuid", "nodev")));
        }
        for (Map.Entry<String, String> m : binding.mounts().entrySet()) {
            mounts.add(mount(m.getValue(), "bind", m.getKey(), List.of("rbind", "rw", "nosuid", "nodev", "noexec")));
        }
        spec.add("mounts", mounts);

        JsonObject linux = new JsonObject();
        JsonArray namespaces = new JsonArray();
        for (String ns : List.of("pid", "ipc", "uts", "mount", "network")) {
            JsonObject n = new JsonObject();
            n.addProperty("type", ns);
            if (ns.equals("network") && !binding.network().isEmpty()) {
                n.addProperty("path", binding.network());
            }
            namespaces.add(n);
        }
        linux.add("namespaces", namespaces);
        linux.addProperty("cgroupsPath", "/vireo/" + id);
        JsonObject resources = new JsonObject();
        long bytes = (long) fn.memoryMb() << 20;
        JsonObject memory = new JsonObject();
        switch (limits.memoryCap()) {
            case HARD -> {
                memory.addProperty("limit", bytes);
                memory.addProperty("swap", bytes);
            }
            case SOFT -> memory.addProperty("reservation", bytes); // reclaimed down to it under host pressure
            case NONE -> { }
        }
        resources.add("memory", memory);
        JsonObject cpu = new JsonObject();
        cpu.addProperty("period", 100_000);
        cpu.addProperty("quota", Math.max(1_000, (long) (fn.cpus() * 100_000)));
        resources.add("cpu", cpu);
        JsonObject pids = new JsonObject();
        pids.addProperty("limit", limits.pidsLimit());
        resources.add("pids", pids);
        JsonArray devices = new JsonArray();
        JsonObject denyAll = new JsonObject();
        denyAll.addProperty("allow", false);
        denyAll.addProperty("access", "rwm");
        devices.add(denyAll);
        resources.add("devices", devices);
        linux.add("resources", resources);
        linux.add("maskedPaths", strings(List.of("/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware")));
        linux.add("readonlyPaths", strings(List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                "/proc/sysrq-trigger")));
        spec.add("linux", linux);
        return spec;
    }

    private static JsonObject mount(String destination, String type, String source, List<String> options) {
        JsonObject m = new JsonObject();
        m.addProperty("destination", destination);
        m.addProperty("type", type);
        m.addProperty("source", source);
        m.add("options", strings(options));
        return m;
    }

    private static JsonArray strings(List<String> values) {
        JsonArray a = new JsonArray();
        values.forEach(a::add);
        return a;
    }
}
