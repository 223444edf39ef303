package dev.vireo.cli;

import java.nio.file.Path;

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
        System.setProperty("vireo.runs.dir", runs.toString());
        System.setProperty("vireo.configs.dir", configs.toString());
        System.setProperty("vireo.deploy.dir", deploy.toString());
    }

    /** The Felix launcher the distro module exports. */
    public Path launcher() {
        return dir.resolve("distro/target/launcher/felix-main.jar");
    }

    /** The bundles of a profile, as the distro module exports them. */
    public Path export(String profile) {
        return dir.resolve("distro/target/export").resolve(profile);
    }

    public Path runDir(String instance) {
        return runRoot.resolve(instance);
    }
}
