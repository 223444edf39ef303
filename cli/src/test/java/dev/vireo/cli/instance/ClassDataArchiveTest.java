package dev.vireo.cli.instance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.cli.Home;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassDataArchiveTest {
    @TempDir
    Path tmp;

    private Home home() throws IOException {
        Path dir = tmp.resolve("home");
        Files.createDirectories(dir.resolve("distro/target/launcher"));
        Files.writeString(dir.resolve("distro/target/launcher/felix-main.jar"), "launcher");
        for (String profile : List.of("worker", "controller")) {
            Files.createDirectories(dir.resolve("distro/target/export").resolve(profile));
            Files.writeString(dir.resolve("distro/target/export").resolve(profile).resolve("a.jar"), "a");
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new Home(dir, tmp.resolve("run"), dir.resolve("configs"), dir.resolve("deploy"), tmp.resolve("runs"),
                java);
    }

    @Test
    void optionsNameTheProfilesArchiveAndLetTheJvmMakeAndCheckIt() throws IOException {
        Home home = home();
        List<String> o = ClassDataArchive.options(home, "worker", List.of());
        Path file = ClassDataArchive.file(home, "worker", List.of());
        assertTrue(file.getFileName().toString().matches("worker-[0-9a-f]{12}-default\\.jsa"), file.toString());
        assertEquals(home.runRoot().resolve("cds"), file.getParent());
        assertTrue(o.contains("-XX:SharedArchiveFile=" + file), o.toString());
        assertTrue(o.contains("-XX:+AutoCreateSharedArchive"), o.toString());
        assertTrue(o.contains("-XX:+VerifySharedSpaces"), o.toString());
        assertTrue(Files.isDirectory(file.getParent()));
    }

    @Test
    void aRebuiltJarGetsANewArchiveAndTheProfilesOldOneGoes() throws Exception {
        Home home = home();
        Path before = ClassDataArchive.file(home, "worker", List.of());
        ClassDataArchive.options(home, "worker", List.of());
        Files.writeString(before, "archive of the last build");
        Path small = ClassDataArchive.file(home, "worker", List.of("-Xmx256m"));
        assertNotEquals(before, small, "other JVM options, another archive");
        Files.writeString(small, "archive of the same build with a small heap");
        Path other = ClassDataArchive.file(home, "controller", List.of());
        Files.writeString(other, "another profile's archive");
        assertEquals(before, ClassDataArchive.file(home, "worker", List.of()), "same jars, same archive");
        ClassDataArchive.options(home, "worker", List.of());
        assertTrue(Files.exists(small), "the same build's archive for other options stays");

        Files.writeString(home.export("worker").resolve("a.jar"), "a, rebuilt");
        Path after = ClassDataArchive.file(home, "worker", List.of());
        assertNotEquals(before, after);
        ClassDataArchive.options(home, "worker", List.of());
        assertFalse(Files.exists(before), "the old build's archive is removed");
        assertFalse(Files.exists(small), "with every option set of it");
        assertTrue(Files.exists(other), "another profile's archive stays");

        Files.writeString(home.export("worker").resolve("b.jar"), "b");
        assertNotEquals(after, ClassDataArchive.file(home, "worker", List.of()), "a jar more is a new build");
    }

    @Test
    void noOptionsWhenTheProfileHasNoJarsYet() throws IOException {
        Home home = home();
        assertEquals(List.of(), ClassDataArchive.options(home, "all-in-one", List.of()));
    }

    @Test
    void theJvmStartsWithTheOptionsAndWritesTheArchiveAtExit() throws Exception {
        Home home = home();
        List<String> cmd = new java.util.ArrayList<>(List.of(home.java().toString()));
        cmd.addAll(ClassDataArchive.options(home, "worker", List.of()));
        cmd.add("-version");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "the options a JDK refuses stop the JVM: " + out);
        assertFalse(out.contains("[cds]") || out.contains("[aot]"), "its messages about the archive are off: " + out);
        assertTrue(Files.isRegularFile(ClassDataArchive.file(home, "worker", List.of())), "made at exit");
    }

    @Test
    void anInstanceUsesTheArchiveUnlessTurnedOff() throws IOException {
        Home home = home();
        Instance on = new Instance(home, "w", "worker").classDataSharing(true);
        assertTrue(on.command().contains("-XX:+AutoCreateSharedArchive"), on.command().toString());
        Instance off = new Instance(home, "w", "worker").classDataSharing(false);
        assertFalse(off.command().stream().anyMatch(a -> a.contains("SharedArchive")), off.command().toString());
    }
}
