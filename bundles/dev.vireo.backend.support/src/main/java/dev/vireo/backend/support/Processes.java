package dev.vireo.backend.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host tool (ctr, ip, nsenter, nvidia-smi) to completion; failure is an IOException with its output. */
public final class Processes {
    private Processes() {
    }

    /**
     * The command's output (stdout and stderr); an IOException if it cannot start, times out or exits non-zero. The
     * output goes to a temporary file, so the timeout holds even for a command that stalls without closing it.
     */
    public static String run(List<String> command, long timeoutSeconds) throws IOException {
        java.nio.file.Path log = java.nio.file.Files.createTempFile("vireo-cmd-", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            p.getOutputStream().close();
            try {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException("interrupted: " + String.join(" ", command));
            }
            String out = new String(java.nio.file.Files.readAllBytes(log), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) { // the end of its output: a progress display can run to megabytes
                String tail = out.strip();
                throw new IOException(String.join(" ", command) + " failed: " + (tail.length() > 4_096
                        ? "..." + tail.substring(tail.length() - 4_096) : tail));
            }
            return out;
        } finally {
            java.nio.file.Files.deleteIfExists(log);
        }
    }
}
