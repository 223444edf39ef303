package dev.vireo.cli.instance;

import dev.vireo.cli.Home;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The JVM's class-data-sharing archive of a profile: the classes a boot loaded (the JDK's, Felix's and the bundles'),
 * parsed and verified once and mapped at the next start (about a fifth of boot on the development machine).
 *
 * <p>One archive per profile, build and JVM options, under {@code run/cds/PROFILE-BUILD-OPTIONS.jsa}: BUILD hashes
 * the JVM and every jar the profile boots (name, size, modification time), so a rebuild or another JDK gets a new
 * archive and the profile's archives of other builds are removed; OPTIONS hashes the instance's own JVM options
 * ({@code VIREO_JAVA_OPTS}, the benchmarks' heap sizes), some of which decide whether an archive can be mapped (a heap
 * of 32 GB or more has no compressed pointers), so that instances started differently do not rewrite one file in
 * turn. The JVM makes the archive itself ({@code -XX:+AutoCreateSharedArchive}): an instance
 * that found none, or an unusable one, writes it when it exits. Stale code cannot run from it: a class of a bundle
 * loader is taken from the archive only when its bytes' size and CRC match the jar's. Two instances of a profile that
 * both started without an archive both write one at exit; {@code -XX:+VerifySharedSpaces} (CRC of the archive at
 * start, ~20 ms) makes a start refuse a file two writers mixed instead of mapping it. The JVM's own messages about
 * the archive are off ({@code -Xlog:cds}): a missing or refused archive only means a slower start.
 *
 * <p>{@code VIREO_CDS=off} starts without it (the boot benchmark measures both ways).
 */
public final class ClassDataArchive {
    private ClassDataArchive() {
    }

    /** Whether instances use the archive: unless {@code VIREO_CDS=off}. */
    public static boolean enabled() {
        return !"off".equalsIgnoreCase(System.getenv().getOrDefault("VIREO_CDS", "").trim());
    }

    /**
     * The JVM options that use (and if need be make) the profile's archive; none when the profile's jars cannot be
     * listed (then the start itself says what is missing).
     */
    public static List<String> options(Home home, String profile, List<String> jvmOptions) {
        Path file;
        try {
            String build = key(home, profile);
            file = file(home, profile, build, jvmOptions);
            Files.createDirectories(file.getParent());
            removeOtherBuilds(file.getParent(), profile, build);
        } catch (IOException e) {
            // not there to be made (e.g. run/cds of another user): a slower start, nothing else
            return List.of();
        }
        // the instances run on the JVM that runs this CLI (Home.java()); its log tag "aot" exists from JDK 24 on,
        // and an unknown tag stops the JVM
        String quiet = "-Xlog:cds=off,cds+dynamic=off" + (Runtime.version().feature() >= 24 ? ",aot=off" : "");
        return List.of("-XX:SharedArchiveFile=" + file, "-XX:+AutoCreateSharedArchive", "-XX:+VerifySharedSpaces",
                quiet);
    }

    /** The archive of this profile, build and JVM options (it may not exist yet). */
    public static Path file(Home home, String profile, List<String> jvmOptions) throws IOException {
        return file(home, profile, key(home, profile), jvmOptions);
    }

    private static Path file(Home home, String profile, String build, List<String> jvmOptions) {
        return home.runRoot().resolve("cds").resolve(profile + "-" + build + "-" + optionsKey(jvmOptions) + ".jsa");
    }

    /** "default" without options, else a hash of them in order. */
    static String optionsKey(List<String> jvmOptions) {
        if (jvmOptions.isEmpty()) {
            return "default";
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(String.join("\n", jvmOptions)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String key(Home home, String profile) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<Path> parts = new ArrayList<>();
        parts.add(home.java().toRealPath());
        Path modules = home.java().toRealPath().getParent().getParent().resolve("lib/modules");
        if (Files.isRegularFile(modules)) {
            parts.add(modules);
        }
        parts.add(home.launcher());
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(home.export(profile), "*.jar")) {
            List<Path> sorted = new ArrayList<>();
            jars.forEach(sorted::add);
            sorted.sort(null);
            parts.addAll(sorted);
        }
        for (Path p : parts) {
            String line = p + " " + Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis() + "\n";
            md.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest(), 0, 6);
    }

    /** Removes the profile's archives of other builds (an instance that still maps one keeps its pages). */
    private static void removeOtherBuilds(Path dir, String profile, String build) throws IOException {
        String current = profile + "-" + build + "-";
        try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, profile + "-*.jsa")) {
            for (Path p : old) {
                if (!p.getFileName().toString().startsWith(current)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
