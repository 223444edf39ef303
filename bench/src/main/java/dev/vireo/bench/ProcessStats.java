package dev.vireo.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code /proc} says of a process at one moment: CPU time used (user + system), resident memory, threads and open
 * file descriptors.
 *
 * @param cpuNs   user + system CPU time so far, ns ({@code /proc/PID/stat} fields 14 and 15, in clock ticks)
 * @param rssKb   resident set ({@code VmRSS} of {@code /proc/PID/status}), KiB
 * @param threads its threads ({@code Threads})
 * @param fds     entries of {@code /proc/PID/fd}
 */
public record ProcessStats(long cpuNs, long rssKb, int threads, int fds) {
    /** Clock ticks per second of {@code /proc/PID/stat}: USER_HZ, 100 on every Linux architecture Java runs on. */
    static final long TICKS_PER_S = 100;

    /** Reads them for {@code pid}; fails when the process is gone or {@code /proc} cannot be read. */
    public static ProcessStats of(long pid) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        return new ProcessStats(cpuNs(Files.readString(proc.resolve("stat"))),
                status(Files.readString(proc.resolve("status")), "VmRSS"),
                (int) status(Files.readString(proc.resolve("status")), "Threads"), count(proc.resolve("fd")));
    }

    /** Fields 14 (utime) and 15 (stime) of a stat line, after the command name (which may hold spaces and ')'). */
    static long cpuNs(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // f[0] is field 3 (state): utime is field 14, stime 15
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * (1_000_000_000L / TICKS_PER_S);
    }

    /** A numeric line of {@code /proc/PID/status} ({@code Name:   value [kB]}). */
    static long status(String status, String key) {
        for (String line : status.split("\n")) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalArgumentException("no " + key + " in /proc/PID/status");
    }

    private static int count(Path dir) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path ignored : s) {
                n++;
            }
        }
        return n;
    }
}
