package dev.vireo.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Boots the sched_ext kernel under QEMU (single-threaded TCG; facts in ../shared/sched-ext-kernel/README.md) with the
 * host's root as the guest's root over 9p, read-only, and {@code results} as a writable 9p share; {@code
 * bpf/qemu/init.sh} runs the command written to {@code results/command}. The guest's console goes to {@code
 * results/console.log}. For the tests that need a sched_ext kernel (the scheduler's, the worker's in sched-ext mode).
 */
public final class QemuGuest {
    public static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
    public static final String KERNEL_NAME = "bzImage-6.12.117-scx";

    private QemuGuest() {
    }

    /**
     * JVM options for a JVM in the guest: TCG runs a JIT's output slowly and rewrites it often (C1 only, serial GC, no
     * perf file), and the guest's only writable scratch space is {@code /run}.
     */
    public static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData", "-Djava.io.tmpdir=/run", "-Djna.tmpdir=/run", "--enable-native-access=ALL-UNNAMED");

    /**
     * Why a guest cannot be booted here, if it cannot (a test skips, saying so): it needs root (the 9p export of /,
     * mounts in the guest), QEMU, a checkout outside the guest's scratch {@code /run}, and the kernel.
     */
    public static Optional<String> unbootable(Path home) {
        if (!"root".equals(ProcessHandle.current().info().user().orElse(""))) {
            return Optional.of("the QEMU test needs root (9p export of /, mounts in the guest)");
        }
        if (!Files.isExecutable(QEMU)) {
            return Optional.of(QEMU + " missing (apt-get install qemu-system-x86)");
        }
        if (home.toAbsolutePath().startsWith("/run")) {
            return Optional.of("the guest's scratch tmpfs is /run, which would hide this checkout at " + home);
        }
        Path kernel = kernel(home);
        return Files.isRegularFile(kernel) ? Optional.empty()
                : Optional.of("no sched_ext kernel at " + kernel + " (set VIREO_SCX_KERNEL)");
    }

    /** The command that runs {@code mainClass} in the guest on this JDK with {@link #JVM_OPTIONS}. */
    public static List<String> java(String heap, String classpath, String mainClass, String... args) {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_OPTIONS);
        cmd.add("-Xmx" + heap);
        cmd.addAll(List.of("-cp", classpath, mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The kernel: {@code $VIREO_SCX_KERNEL}, else {@code <home>/../shared/sched-ext-kernel/bzImage-6.12.117-scx}. */
    public static Path kernel(Path home) {
        String env = System.getenv("VIREO_SCX_KERNEL");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        // beside the checkout (../shared), else the machines' shared folder (a clone elsewhere, e.g. CI's)
        Path beside = home.resolveSibling("shared").resolve("sched-ext-kernel").resolve(KERNEL_NAME).normalize();
        Path machine = Path.of("/work/shared/sched-ext-kernel").resolve(KERNEL_NAME);
        return java.nio.file.Files.isRegularFile(beside) || !java.nio.file.Files.isRegularFile(machine) ? beside
                : machine;
    }

    /**
     * Runs {@code command} in a guest and waits at most {@code timeoutS} seconds (then kills QEMU). Returns QEMU's
     * exit code, or -1 on timeout.
     */
    public static int run(Path home, Path kernel, Path results, List<String> command, long timeoutS)
            throws IOException, InterruptedException {
        Files.write(results.resolve("command"), command);
        Path init = home.resolve("bpf/qemu/init.sh");
        // thread=single: with multi-threaded TCG the guest once died of an int3 Oops in __schedule while sched_ext was
        // disabling (static keys are patched with int3 while the other vCPU runs); one thread for both vCPUs is
        // slower (~50 s instead of ~45 s here) but never showed it
        List<String> qemu = List.of(QEMU.toString(), "-accel", "tcg,thread=single", "-cpu", "max", "-smp", "2",
                "-m", "2048", "-display", "none", "-no-reboot", "-monitor", "none", "-serial", "stdio",
                "-kernel", kernel.toString(),
                "-append", "console=ttyS0 root=hostroot rootfstype=9p"
                        + " rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose ro init=" + init
                        + " panic=-1 quiet",
                // multidevs=remap: without it the guest's /proc breaks (the host root spans several devices)
                "-fsdev", "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap",
                "-device", "virtio-9p-pci,fsdev=root,mount_tag=hostroot",
                "-fsdev", "local,id=results,path=" + results + ",security_model=none",
                "-device", "virtio-9p-pci,fsdev=results,mount_tag=results");
        Process p = new ProcessBuilder(qemu).redirectErrorStream(true)
                .redirectOutput(results.resolve("console.log").toFile()).start();
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return -1;
        }
        return p.exitValue();
    }

    /**
     * {@link #run}, then the guest's result file {@code results/<name>}; fails the test with the guest's console and
     * output when QEMU timed out or exited without writing it.
     */
    public static Path runForResult(Path home, Path kernel, Path results, List<String> command, long timeoutS,
            String name) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        int qemu = run(home, kernel, results, command, timeoutS);
        Path file = results.resolve(name);
        if (qemu == -1 || !Files.exists(file)) {
            throw new AssertionError((qemu == -1 ? "QEMU killed after " + timeoutS + " s" : "QEMU exited " + qemu)
                    + " without a result; guest console:\n" + tail(results.resolve("console.log"))
                    + "\nguest output:\n" + tail(results.resolve("guest.log")));
        }
        System.out.println("QEMU run " + (System.nanoTime() - t0) / 1_000_000_000L + " s");
        return file;
    }

    /** The last 80 lines of a file of the guest's (its console, its output), or a line saying it is missing. */
    public static String tail(Path file) throws IOException {
        if (!Files.exists(file)) {
            return "(no " + file.getFileName() + ")";
        }
        List<String> lines = Files.readAllLines(file);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }
}
