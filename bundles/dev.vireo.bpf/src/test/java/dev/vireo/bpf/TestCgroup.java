package dev.vireo.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private cgroup2 directory with CPU-bound processes in it, for tests (on the host and in the QEMU guest). Needs
 * root. {@link #close()} kills the processes and removes the directory.
 */
final class TestCgroup implements AutoCloseable {
    private static final List<Path> ROOTS = List.of(Path.of("/sys/fs/cgroup/unified"), Path.of("/sys/fs/cgroup"));

    private final Path dir;
    private final List<Process> processes = new ArrayList<>();

    private TestCgroup(Path dir) {
        this.dir = dir;
    }

    /** The cgroup2 hierarchy's root: /sys/fs/cgroup/unified on a hybrid host, else /sys/fs/cgroup; null when none. */
    static Path root() throws IOException {
        for (Path r : ROOTS) {
            if (Files.isDirectory(r) && Files.getFileStore(r).type().equals("cgroup2")) {
                return r;
            }
        }
        return null;
    }

    /** A new cgroup {@code name} under the cgroup2 root. */
    static TestCgroup create(String name) throws IOException {
        Path root = root();
        if (root == null) {
            throw new IOException("no cgroup2 hierarchy at " + ROOTS);
        }
        Path dir = root.resolve(name);
        Files.createDirectory(dir);
        return new TestCgroup(dir);
    }

    Path dir() {
        return dir;
    }

    long id() throws IOException {
        return Cgroups.id(dir);
    }

    /**
     * Starts a busy loop ({@code sh -c 'while :; do :; done'}), restricted to {@code cpuList} (taskset syntax) when
     * it is not null (returning once the restriction is in force: taskset sets it before it execs the loop), and moves
     * it into this cgroup. Returns its pid.
     */
    int startBusy(String cpuList) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (cpuList != null) {
            cmd.addAll(List.of("taskset", "-c", cpuList));
        }
        cmd.addAll(List.of("sh", "-c", "while :; do :; done"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        processes.add(p);
        Files.writeString(dir.resolve("cgroup.procs"), Long.toString(p.pid()));
        if (cpuList != null) {
            awaitAffinity(p.pid(), cpuList);
        }
        return (int) p.pid();
    }

    private static void awaitAffinity(long pid, String cpuList) throws IOException, InterruptedException {
        Path status = Path.of("/proc/" + pid + "/status");
        String line = "";
        for (int i = 0; i < 400; i++) {
            line = Files.readAllLines(status).stream().filter(l -> l.startsWith("Cpus_allowed_list:")).findFirst()
                    .orElse("").replace("Cpus_allowed_list:", "").strip();
            if (line.equals(cpuList)) {
                return;
            }
            Thread.sleep(25);
        }
        throw new IOException("process " + pid + " still allowed CPUs " + line + " 10 s after taskset -c " + cpuList);
    }

    List<Integer> pids() {
        return processes.stream().map(p -> (int) p.pid()).toList();
    }

    boolean allAlive() {
        return processes.stream().allMatch(Process::isAlive);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        // the kernel drops exited tasks from cgroup.procs a moment after they are reaped
        for (int i = 0; i < 100; i++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException busy) {
                Thread.sleep(50);
            }
        }
        Files.deleteIfExists(dir);
    }
}
