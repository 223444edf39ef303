package dev.vireo.cli;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the Python workflow client's unit tests (clients/python: spec building, HTTP against a fake server) and the
 * word count example's (examples/wordcount: its three functions and spec file), so that they are part of the
 * build's tests. Skipped without python3.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PythonClientTest {
    static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    static boolean hasPython() {
        try {
            return new ProcessBuilder("python3", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"clients/python", "examples/wordcount"})
    void pythonUnitTestsPass(String dir) throws Exception {
        Assumptions.assumeTrue(hasPython(), "python3 is not installed");
        Path tests = HOME.resolve(dir);
        assertTrue(Files.isDirectory(tests), tests + " is missing");
        // -B: no __pycache__ in the source tree
        Process p = new ProcessBuilder("python3", "-B", "-m", "unittest", "discover", "-s", tests.toString(), "-p",
                "test_*.py").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("OK"), out);
    }
}
