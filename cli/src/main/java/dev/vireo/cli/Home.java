package dev.vireo.cli;

import dev.vireo.cli.dist.Distribution;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where things are: the checkout ({@code vireo.home}, set by the launcher), the run folders of instances
 * ({@code VIREO_RUN_DIR}), the configuration and hot-deploy folders ({@code VIREO_CONFIGS_DIR},
 * {@code VIREO_DEPLOY_DIR}), the results folders ({@code VIREO_RUNS_DIR}) and the JDK this CLI runs on, which also
 * runs every instance it starts.
 */
public record Home(Path dir, Path runRoot, Path configs, Path deploy, Path runs, Path java) {
    public static Home detect() {
        Path dir = Path.of(System.getProperty("vireo.home", ".")).toAbsolutePath().normalize();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new Home(dir, env("VIREO_RUN_DIR", dir.resolve("run")), env("VIREO_CONFIGS_DIR", dir.resolve("configs")),
                env("VIREO_DEPLOY_DIR", dir.resolve("deploy")), env("VIREO_RUNS_DIR", dir.resolve("runs")), java);
    }

    private static Path env(String name, Path fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Path.of(v).toAbsolutePath().normalize();
    }

    /** Publishes the folders as system properties, so the commands' defaults ({@code ${sys:...}}) show them. */
    void publish() {
        System.setProperty("vireo.default.profile", defaultProfile());
        System.setProperty("vireo.runs.dir", runs.toString());
        System.setProperty("vireo.configs.dir", configs.toString());
        System.setProperty("vireo.deploy.dir", deploy.toString());
    }

    /**
     * Whether this home is an installed distribution ({@code ./vireo dist}: {@code lib/felix-main.jar},
     * {@code bundles/PROFILE/}) rather than a checkout (the distro module's {@code target/}).
     */
    public boolean packaged() {
        return Files.isRegularFile(dir.resolve(Distribution.LAUNCHER));
    }

    /**
     * The profile commands use when none is named: a distribution's own (the one profile under {@code bundles/}),
     * else {@code all-in-one}.
     */
    public String defaultProfile() {
        if (packaged()) {
            try (var dirs = Files.list(dir.resolve(Distribution.BUNDLES))) {
                List<String> names = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
                if (names.size() == 1) {
                    return names.get(0);
                }
            } catch (java.io.IOException e) {
                // an unreadable distribution: the start says what is missing
            }
        }
        return "all-in-one";
    }

    /** The Felix launcher: the distribution's, else the one the distro module exports. */
    public Path launcher() {
        return packaged() ? dir.resolve(Distribution.LAUNCHER) : dir.resolve("distro/target/launcher/felix-main.jar");
    }

    /** The bundles of a profile: the distribution's, else as the distro module exports them. */
    public Path export(String profile) {
        return packaged() ? dir.resolve(Distribution.BUNDLES).resolve(profile)
                : dir.resolve("distro/target/export").resolve(profile);
    }

    public Path runDir(String instance) {
        return runRoot.resolve(instance);
    }
}
