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
 * <p>One archive per profile and build, under {@code run/cds/PROFILE-KEY.jsa}: the key hashes the JVM and every jar
 * the profile boots (name, size, modification time), so a rebuild or another JDK gets a new archive and the old ones
 * of that profile are removed. The JVM makes the archive itself ({@code -XX:+AutoCreateSharedArchive}): an instance
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
    public static List<String> options(Home home, String profile) {
        Path file;
        try {
            file = file(home, profile);
            Files.createDirectories(file.getParent());
            removeOthers(file, profile);
        } catch (IOException e) {
            return List.of();
        }
        // the instances run on the JVM that runs this CLI (Home.java()); its log tag "aot" exists from JDK 24 on,
        // and an unknown tag stops the JVM
        String quiet = "-Xlog:cds=off,cds+dynamic=off" + (Runtime.version().feature() >= 24 ? ",aot=off" : "");
        return List.of("-XX:SharedArchiveFile=" + file, "-XX:+AutoCreateSharedArchive", "-XX:+VerifySharedSpaces",
                quiet);
    }

    /** The archive of this profile and build (it may not exist yet). */
    public static Path file(Home home, String profile) throws IOException {
        return home.runRoot().resolve("cds").resolve(profile + "-" + key(home, profile) + ".jsa");
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

    private static void removeOthers(Path keep, String profile) throws IOException {
        try (DirectoryStream<Path> old = Files.newDirectoryStream(keep.getParent(), profile + "-*.jsa")) {
            for (Path p : old) {
                if (!p.equals(keep)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
