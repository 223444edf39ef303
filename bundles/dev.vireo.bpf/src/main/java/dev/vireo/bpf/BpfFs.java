package dev.vireo.bpf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The BPF filesystem pins live on. Most distributions mount it at {@link #SYSTEM} at boot (systemd does); a machine
 * that did not gets it mounted there by {@link #ensure} (as root), so that the maps of the loaders this process starts
 * can be pinned under a project-owned directory.
 */
public final class BpfFs {
    /** Where bpffs is mounted by convention. */
    public static final Path SYSTEM = Path.of("/sys/fs/bpf");

    private BpfFs() {
    }

    /** Whether {@code dir} is a directory on a bpf filesystem. */
    public static boolean mounted(Path dir) {
        try {
            return Files.isDirectory(dir) && Files.getFileStore(dir).type().equals("bpf");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Mounts bpffs at {@code mountPoint} unless one is there already ({@code mount -t bpf bpf DIR}), then creates
     * {@code sub} under it (as {@code mkdir -p}) and returns it.
     *
     * @throws IOException the mount failed (not root, no such directory), with mount's message
     */
    public static Path ensure(Path mountPoint, String sub) throws IOException {
        if (!mounted(mountPoint)) {
            Files.createDirectories(mountPoint);
            Process p = new ProcessBuilder("mount", "-t", "bpf", "bpf", mountPoint.toString()).redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            try {
                if (p.waitFor() != 0 || !mounted(mountPoint)) {
                    throw new IOException("cannot mount a bpf filesystem at " + mountPoint + ": "
                            + (out.isEmpty() ? "mount exited " + p.exitValue() : out));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted mounting a bpf filesystem at " + mountPoint, e);
            }
        }
        return Files.createDirectories(mountPoint.resolve(sub));
    }
}
