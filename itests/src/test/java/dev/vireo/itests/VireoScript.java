package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./vireo} as the tests run it: the build the reactor just made ({@code VIREO_NO_BUILD=1}), a private run
 * folder, no standard input, output and exit code returned; a command that outlives its timeout fails the test.
 */
final class VireoScript {
    static final Path HOME = Path.of(System.getProperty("vireo.home")).toAbsolutePath().normalize();

    record Result(int code, String out) {
    }

    private final Path runDir;
    private final Map<String, String> env;
    private final Duration timeout;

    /** @param env more environment (e.g. VIREO_CONFIGS_DIR) for every command */
    VireoScript(Path runDir, Map<String, String> env, Duration timeout) {
        this.runDir = runDir;
        this.env = Map.copyOf(env);
        this.timeout = timeout;
    }

    Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), args);
    }

    Result run(Map<String, String> moreEnv, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(HOME.resolve("vireo").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("VIREO_NO_BUILD", "1");
        pb.environment().put("VIREO_RUN_DIR", runDir.toString());
        pb.environment().putAll(env);
        pb.environment().putAll(moreEnv);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS), "vireo " + String.join(" ", args) + " hung");
        return new Result(p.exitValue(), out);
    }
}
