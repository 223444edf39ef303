package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** bpftool from the tests: what the kernel has loaded, independent of the code under test. */
final class Bpftool {
    private static final Path BPFTOOL = Path.of("/usr/sbin/bpftool");
    private static final Pattern PROG = Pattern.compile("(?m)^(\\d+): \\S+\\s+name (\\S+)");

    private Bpftool() {
    }

    static void assumePresent() {
        assumeTrue(Files.isExecutable(BPFTOOL), "skipped: " + BPFTOOL + " not installed (Debian package bpftool)");
    }

    /** bpftool's stdout; fails the test when it exits non-zero. */
    static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(BPFTOOL.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), () -> "bpftool " + String.join(" ", args) + " failed: " + out);
        return out;
    }

    /**
     * The programs of {@code ids} still loaded after up to {@code seconds}: the kernel frees a tracing program
     * after an RCU grace period, not at the moment its last fd closes.
     */
    static Set<Integer> stillLoaded(Set<Integer> ids, String prefix, int seconds)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            Set<Integer> left = programs(prefix);
            left.retainAll(ids);
            if (left.isEmpty() || System.nanoTime() > deadline) {
                return left;
            }
            Thread.sleep(50);
        }
    }

    /** Ids of the loaded programs whose name starts with {@code prefix}. */
    static Set<Integer> programs(String prefix) throws IOException, InterruptedException {
        Set<Integer> ids = new TreeSet<>();
        Matcher m = PROG.matcher(run("prog", "show"));
        while (m.find()) {
            if (m.group(2).startsWith(prefix)) {
                ids.add(Integer.parseInt(m.group(1)));
            }
        }
        return ids;
    }
}
