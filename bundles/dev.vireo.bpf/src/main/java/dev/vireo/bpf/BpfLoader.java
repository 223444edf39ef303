package dev.vireo.bpf;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A running {@code vireo-bpf} loader (built by the {@code bpf} module, see {@link BpfArtifacts}): it loaded one BPF
 * object, pinned its maps under a directory on bpffs and attached it, and holds it until {@link #close()}. Open the
 * pinned maps with {@link CpuGroupMaps#open} or {@link RunQueueMaps#open}.
 *
 * <p>The loader stops (detaches, unpins, exits 0) on EOF on its stdin, which {@link #close()} gives it, and also
 * when this JVM dies (its stdin closes; it also watches its parent process); a scheduler it loaded is unregistered by
 * the kernel even when the loader is killed. Its stderr (libbpf's and the verifier's messages) goes to a temporary file, read back into the
 * exceptions. Threading: one caller at a time; no threads are started (the wait for {@code ready} polls the
 * process's stdout).
 */
public final class BpfLoader implements Closeable {
    /** What to load: the loader's first argument. */
    public enum Kind {
        /** The sched_ext scheduler: needs a kernel with sched_ext. */
        SCHED("sched"),
        /** Run-queue latency per cgroup: tp_btf programs, any kernel with BTF. */
        RQLAT("rqlat");

        private final String arg;

        Kind(String arg) {
            this.arg = arg;
        }

        /** The loader's subcommand. */
        public String arg() {
            return arg;
        }
    }

    /** The loader's exit code when the kernel has no sched_ext. */
    public static final int EXIT_NO_SCHED_EXT = 3;
    /** The loader's exit code when the kernel unloaded the scheduler while it ran (watchdog, error). */
    public static final int EXIT_SCHED_UNLOADED = 4;
    private static final long POLL_MS = 10;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Kind kind;
    private final Path pinDir;
    private final Process process;
    private final Path stderr;
    private Integer exitCode;

    private BpfLoader(Kind kind, Path pinDir, Process process, Path stderr) {
        this.kind = kind;
        this.pinDir = pinDir;
        this.process = process;
        this.stderr = stderr;
    }

    /**
     * Starts {@code loader kind --object object --pin pinDir} and waits up to {@code timeout} for it to say
     * {@code ready}.
     *
     * @throws SchedExtUnavailable the loader exited 3: the kernel has no sched_ext ({@link Kind#SCHED} only)
     * @throws IOException the loader exited before it was ready, or was not ready in time (it is then killed); the
     *     message has its stderr (the verifier's log when the kernel rejected a program)
     */
    public static BpfLoader start(Path loader, Kind kind, Path object, Path pinDir, Duration timeout)
            throws IOException {
        Path log = Files.createTempFile("vireo-bpf-" + kind.arg() + "-", ".log");
        ProcessBuilder pb = new ProcessBuilder(List.of(loader.toString(), kind.arg(), "--object", object.toString(),
                "--pin", pinDir.toString())).redirectError(log.toFile());
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            Files.deleteIfExists(log);
            throw new IOException("cannot start BPF loader " + loader + ": " + e.getMessage(), e);
        }
        BpfLoader started = new BpfLoader(kind, pinDir, process, log);
        try {
            started.awaitReady(timeout);
            return started;
        } catch (IOException | RuntimeException e) {
            started.kill();
            throw e;
        } catch (InterruptedException e) {
            started.kill();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the BPF loader (" + kind.arg() + ")", e);
        }
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        InputStream out = process.getInputStream();
        StringBuilder line = new StringBuilder();
        long steps = Math.max(1, timeout.toMillis() / POLL_MS);
        for (long i = 0; i < steps; i++) {
            while (out.available() > 0) {
                int c = out.read();
                if (c == '\n') {
                    if (line.toString().equals("ready")) {
                        return;
                    }
                    line.setLength(0);
                } else if (c >= 0) {
                    line.append((char) c);
                }
            }
            if (process.waitFor(POLL_MS, TimeUnit.MILLISECONDS)) {
                exitCode = process.exitValue();
                String why = stderr().strip();
                if (exitCode == EXIT_NO_SCHED_EXT) {
                    throw new SchedExtUnavailable(why.isEmpty() ? "this kernel has no sched_ext" : why);
                }
                throw new IOException("BPF loader " + what() + " exited with " + exitCode + " before it was ready: "
                        + (why.isEmpty() ? "(no message)" : why));
            }
        }
        throw new IOException("BPF loader " + what() + " not ready within " + timeout.toMillis() + " ms (killed); its"
                + " stderr: " + stderr().strip());
    }

    private String what() {
        return "'" + kind.arg() + "' (pid " + process.pid() + ", pins " + pinDir + ")";
    }

    /** What the loader wrote on stderr so far. */
    public String stderr() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read the loader's stderr " + stderr + ": " + e.getMessage() + ")";
        }
    }

    /** The directory its maps are pinned in. */
    public Path pinDir() {
        return pinDir;
    }

    /** What it loaded. */
    public Kind kind() {
        return kind;
    }

    /** The loader's process id. */
    public long pid() {
        return process.pid();
    }

    /** Whether the loader still runs (it holds the programs attached only while it does). */
    public boolean alive() {
        return process.isAlive();
    }

    /**
     * Stops the loader: EOF on its stdin (it detaches, unpins and exits 0), then SIGTERM, then SIGKILL if it does
     * not exit in time. Returns its exit code: 0 when it stopped cleanly, {@link #EXIT_SCHED_UNLOADED} when the
     * kernel had unloaded the scheduler before.
     */
    public int stop() throws InterruptedException {
        if (exitCode == null) {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // it is gone already: waitFor says how it ended
            }
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroy();
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
            exitCode = process.exitValue();
        }
        return exitCode;
    }

    /** Kills the loader at once (SIGKILL): what a crash does. The kernel still detaches the scheduler. */
    public void kill() {
        process.destroyForcibly();
        try {
            exitCode = process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@link #stop()}, then deletes the stderr file. */
    @Override
    public void close() throws IOException {
        try {
            stop();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            Files.deleteIfExists(stderr);
        }
    }
}
