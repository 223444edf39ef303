package dev.vireo.cli.instance;

import dev.vireo.cli.CliException;
import dev.vireo.cli.ConsoleClient;
import dev.vireo.cli.Home;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Vireo instance on this host: a profile ({@code all-in-one}, {@code worker}, {@code controller}) running in
 * the run folder {@code run/NAME} (pid file, log, ready marker, console socket, Felix cache). Its per-instance
 * settings (ports, worker name, backends, the controller to join, Graphite) are framework properties written into
 * {@code run/NAME/config.properties}; the files in {@code configs/} reference them as {@code ${...}}.
 */
public final class Instance {
    public static final List<String> PROFILES = List.of("all-in-one", "worker", "controller");
    private static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,64}");
    private static final Pattern UPTIME = Pattern.compile("\"uptime_ms\":(\\d+)");

    private final Home home;
    private final String name;
    private final String profile;
    private final Path dir;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private Path configs;
    private Path deploy;
    private boolean classDataSharing = ClassDataArchive.enabled();

    public Instance(Home home, String name, String profile) {
        checkProfile(profile);
        if (!NAME.matcher(name).matches()) {
            throw new CliException(CliException.USAGE, "instance name '" + name
                    + "' must be lower-case letters, digits and '-'");
        }
        this.home = home;
        this.name = name;
        this.profile = profile;
        this.dir = home.runDir(name);
        this.configs = home.configs();
        this.deploy = home.deploy();
        String opts = System.getenv("VIREO_JAVA_OPTS");
        if (opts != null && !opts.isBlank()) {
            jvmOptions.addAll(List.of(opts.trim().split("\\s+")));
        }
    }

    /** How long a start waits for ready: {@code VIREO_START_TIMEOUT_S}, else 60 s. */
    public static Duration startTimeout() {
        String s = System.getenv("VIREO_START_TIMEOUT_S");
        return Duration.ofSeconds(s == null || s.isBlank() ? 60 : Long.parseLong(s.trim()));
    }

    public static void checkProfile(String profile) {
        if (!PROFILES.contains(profile)) {
            throw new CliException(CliException.USAGE, "unknown profile '" + profile + "'; profiles: "
                    + String.join(" ", PROFILES));
        }
    }

    /** An instance by name: a profile's default instance, or one started earlier with {@code --name}. */
    public static Instance existing(Home home, String name) throws IOException {
        if (PROFILES.contains(name)) {
            return new Instance(home, name, name);
        }
        Path config = home.runDir(name).resolve("config.properties");
        if (!Files.isRegularFile(config)) {
            throw new CliException(CliException.NOT_RUNNING, "no instance '" + name + "' here (nothing in "
                    + home.runDir(name) + "); profiles: " + String.join(" ", PROFILES));
        }
        Matcher m = Pattern.compile("(?m)^vireo\\.profile = (\\S+)$").matcher(Files.readString(config));
        return new Instance(home, name, m.find() ? m.group(1) : "all-in-one");
    }

    public String name() {
        return name;
    }

    public String profile() {
        return profile;
    }

    public Path dir() {
        return dir;
    }

    public Path configs() {
        return configs;
    }

    /** A framework property of this instance (overrides the profile's). */
    public Instance property(String key, String value) {
        properties.put(key, value);
        return this;
    }

    /** Framework properties of this instance, as {@link #property} each. */
    public Instance properties(Map<String, String> more) {
        properties.putAll(more);
        return this;
    }

    public Instance configs(Path folder) {
        this.configs = folder;
        return this;
    }

    public Instance deploy(Path folder) {
        this.deploy = folder;
        return this;
    }

    /** The class-data-sharing archive this instance's JVM uses (and makes when it is missing). */
    public Path classDataArchive() throws IOException {
        return ClassDataArchive.file(home, profile, jvmOptions);
    }

    /** Whether the JVM uses the profile's class-data-sharing archive (default: unless {@code VIREO_CDS=off}). */
    public Instance classDataSharing(boolean on) {
        this.classDataSharing = on;
        return this;
    }

    public Instance jvmOption(String option) {
        jvmOptions.add(option);
        return this;
    }

    /** Writes {@code config.properties}: shared launcher settings, per-run paths, the profile's and this instance's properties. */
    public void writeConfig() throws IOException {
        Files.createDirectories(dir);
        Files.createDirectories(deploy);
        StringBuilder b = new StringBuilder(Files.readString(home.dir().resolve("distro/felix.properties")));
        Map<String, String> p = new LinkedHashMap<>();
        p.put("org.osgi.framework.storage", dir.resolve("cache").toString());
        p.put("felix.auto.deploy.dir", home.export(profile).toString());
        p.put("felix.fileinstall.dir", configs.toString());
        p.put("vireo.home", home.dir().toString());
        p.put("vireo.profile", profile);
        p.put("vireo.run.dir", dir.toString());
        p.put("vireo.deploy.dir", deploy.toString());
        p.put("vireo.images.dir", home.runRoot().resolve("images").toString());
        p.put("vireo.console.socket", consoleSocket().toString());
        b.append('\n');
        p.forEach((k, v) -> b.append(k).append(" = ").append(v).append('\n'));
        b.append(Files.readString(home.dir().resolve("distro/profiles").resolve(profile + ".properties")));
        b.append("\n# this instance's own settings\n");
        properties.forEach((k, v) -> b.append(k).append(" = ").append(v).append('\n'));
        Files.writeString(dir.resolve("config.properties"), b.toString());
        Files.deleteIfExists(dir.resolve("ready"));
    }

    /** The command line that runs this instance's framework. */
    public List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.java().toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        if (classDataSharing) {
            cmd.addAll(ClassDataArchive.options(home, profile, jvmOptions));
        }
        cmd.addAll(jvmOptions);
        cmd.add("-Djava.util.logging.config.file=" + home.dir().resolve("distro/logging.properties"));
        cmd.add("-Dfelix.config.properties=file:" + dir.resolve("config.properties"));
        cmd.add("-jar");
        cmd.add(home.launcher().toString());
        return cmd;
    }

    public Path consoleSocket() {
        return dir.resolve("console/console.sock");
    }

    /** Where a background instance's output goes ({@code VIREO_START_OUTPUT=inherit}: the starter's, e.g. the journal). */
    public Path log() {
        return dir.resolve("vireo.log");
    }

    /** The pid of this instance if it is running (a stale pid file is removed). */
    public Optional<ProcessHandle> process() throws IOException {
        Path f = dir.resolve("vireo.pid");
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            // a pid the file names may have gone to another process since (a reboot): ours has our run folder in its
            // command line (-Dfelix.config.properties=file:RUN/config.properties)
            Optional<ProcessHandle> p = ProcessHandle.of(Long.parseLong(Files.readString(f).trim()))
                    .filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().commandLine().map(c -> c.contains(dir.toString())).orElse(true));
            if (p.isEmpty()) {
                Files.deleteIfExists(f);
            }
            return p;
        } catch (NumberFormatException e) {
            Files.deleteIfExists(f);
            return Optional.empty();
        }
    }

    private void refuseIfRunning() throws IOException {
        Optional<ProcessHandle> p = process();
        if (p.isPresent()) {
            throw new CliException(CliException.ALREADY_RUNNING, name + " is already running (pid " + p.get().pid()
                    + "); ./vireo stop " + name + " first");
        }
    }

    /**
     * Starts the instance in the background (its own session, output to {@code vireo.log}) and waits until it is
     * ready; stops it again and fails when it exits or is not ready within {@code timeout}. Returns the milliseconds
     * from JVM start to ready, as the instance reports them.
     */
    public long start(Duration timeout) throws IOException, InterruptedException {
        refuseIfRunning();
        writeConfig();
        List<String> cmd = new ArrayList<>();
        cmd.add("setsid");
        cmd.addAll(command());
        boolean inherit = inheritOutput();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(inherit ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.to(log().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        Files.writeString(dir.resolve("vireo.pid"), p.pid() + "\n");
        String where = inherit ? "the output above" : log().toString();
        if (inherit) {
            Files.deleteIfExists(log()); // an old run's file is not this start's log
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Path ready = dir.resolve("ready");
        while (!Files.exists(ready)) {
            if (!p.isAlive()) {
                Files.deleteIfExists(dir.resolve("vireo.pid"));
                throw new CliException(CliException.FAILED, name + " exited during start; log: " + where + "\n"
                        + tail(log(), 30));
            }
            if (System.nanoTime() > deadline) {
                String tail = tail(log(), 30);
                stop();
                throw new CliException(CliException.FAILED, name + " did not become ready in " + timeout.toSeconds()
                        + " s (see vireo:status); stopped it; log: " + where + "\n" + tail);
            }
            Thread.sleep(20);
        }
        Matcher m = UPTIME.matcher(Files.readString(ready));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Whether a background instance writes to this command's output rather than {@code vireo.log}:
     * {@code VIREO_START_OUTPUT=inherit}, which the systemd unit sets so that the node's log reaches the journal.
     */
    static boolean inheritOutput() {
        return "inherit".equals(System.getenv().getOrDefault("VIREO_START_OUTPUT", "").trim());
    }

    /** Runs the instance in the foreground (its output on this terminal) until it exits; returns its exit code. */
    public int runForeground() throws IOException, InterruptedException {
        refuseIfRunning();
        writeConfig();
        Process p = new ProcessBuilder(command()).inheritIO().start();
        Files.writeString(dir.resolve("vireo.pid"), p.pid() + "\n");
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
        try {
            return p.waitFor();
        } finally {
            Files.deleteIfExists(dir.resolve("vireo.pid"));
        }
    }

    /**
     * How long a stop waits before it kills: the two APIs drain in turn (drain.ms, 10 s each by default), then the
     * worker removes its containers.
     */
    static final Duration STOP_GRACE = Duration.ofSeconds(60);

    /** Stops the instance (TERM, then KILL after {@link #STOP_GRACE}); false if it was not running. */
    public boolean stop() throws IOException, InterruptedException {
        Optional<ProcessHandle> p = process();
        if (p.isEmpty()) {
            return false;
        }
        ProcessHandle h = p.get();
        h.destroy();
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        while (h.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (h.isAlive()) {
            System.err.println("vireo: " + name + " (pid " + h.pid() + ") did not stop in " + STOP_GRACE.toSeconds()
                    + " s; killing it");
            h.destroyForcibly();
            h.onExit().join();
        }
        Files.deleteIfExists(dir.resolve("vireo.pid"));
        Files.deleteIfExists(dir.resolve("ready"));
        return true;
    }

    /** Runs console commands on the running instance; the console's exit code. */
    public int console(List<String> commands) throws IOException {
        return ConsoleClient.run(consoleSocket(), commands);
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
