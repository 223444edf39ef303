package dev.vireo.cli.dist;

import dev.vireo.cli.CliException;
import dev.vireo.cli.Home;
import dev.vireo.cli.instance.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * What an operator installs: one tarball per profile, {@code vireo-VERSION-PROFILE.tar.gz}, that runs with nothing
 * but a JRE (or with the runtime it carries). Its layout, read by {@link Home} when {@code lib/felix-main.jar} exists:
 *
 * <pre>
 *   bin/vireo                the launcher (never builds here)
 *   lib/cli/                 the command line and its libraries
 *   lib/felix-main.jar       the framework launcher
 *   bundles/PROFILE/         the profile's bundles
 *   distro/                  framework settings, the profile's properties, logging
 *   configs/                 the components' configuration files
 *   systemd/vireo@.service   the unit, rendered for the install prefix and state folder
 *   agent/, examples/, tools/ (worker profiles) the function agent, example functions, the image builder
 *   runtime/                 a jlink'ed Java runtime (with --runtime)
 *   docs/operations.md, VERSION
 * </pre>
 *
 * <p>Entries are written in a fixed order with fixed owners and times, so that the same inputs give the same bytes
 * apart from gzip's.
 */
public final class Distribution {
    public static final String LAUNCHER = "lib/felix-main.jar";
    public static final String BUNDLES = "bundles";
    static final String CLI = "lib/cli";
    /** The modules of the runtime {@code --runtime} links: what the CLI, Felix and the bundles use. */
    static final List<String> MODULES = List.of("java.base", "java.compiler", "java.desktop", "java.instrument",
            "java.logging", "java.management", "java.management.rmi", "java.naming", "java.net.http", "java.rmi",
            "java.scripting", "java.security.jgss", "java.sql", "java.transaction.xa", "java.xml", "jdk.attach",
            "jdk.charsets", "jdk.crypto.ec", "jdk.httpserver", "jdk.jcmd", "jdk.jfr", "jdk.management",
            "jdk.management.agent", "jdk.net", "jdk.unsupported", "jdk.zipfs");

    /**
     * @param profiles the profiles to package
     * @param out      the folder the tarballs go to
     * @param prefix   where the distribution will be installed (the unit's paths)
     * @param state    the folder of the instances' run folders (the unit's {@code VIREO_RUN_DIR})
     * @param runtime  whether to carry a runtime linked from the JDK that runs this command
     * @param together one tarball {@code vireo-VERSION.tar.gz} with every profile, instead of one each
     * @param image    also a container image archive per profile ({@link NodeImage}; it carries the runtime)
     */
    public record Options(List<String> profiles, Path out, Path prefix, Path state, boolean runtime, boolean together,
            boolean image) {
        public Options {
            profiles = List.copyOf(profiles);
            if (!prefix.isAbsolute() || !state.isAbsolute()) {
                throw new CliException(CliException.USAGE, "--prefix and --state-dir must be absolute paths");
            }
        }
    }

    private final Home home;
    private final Options options;

    public Distribution(Home home, Options options) {
        if (home.packaged()) {
            throw new CliException(CliException.USAGE, "./vireo dist packages a checkout; this is already a distribution ("
                    + home.dir() + ")");
        }
        this.home = home;
        this.options = options;
    }

    /** The version the checkout's command line was built as. */
    public static String version() throws IOException {
        try (InputStream in = Distribution.class.getResourceAsStream("/vireo-version.properties")) {
            if (in == null) {
                return "dev";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "dev");
        }
    }

    /** Writes one tarball per profile; returns them. */
    public List<Path> build() throws IOException, InterruptedException {
        Files.createDirectories(options.out());
        Path runtime = options.runtime() || options.image() ? linkRuntime() : null;
        List<Path> made = new ArrayList<>();
        try {
            if (options.together()) {
                made.add(write(options.profiles(), "vireo-" + version(), runtime));
            } else {
                for (String profile : options.profiles()) {
                    made.add(write(List.of(profile), "vireo-" + version() + "-" + profile, runtime));
                }
            }
            AnsibleFiles.write(home, options.out().resolve("ansible"), options.profiles(), version());
            if (options.image()) {
                for (String profile : options.profiles()) {
                    made.add(NodeImage.write(options.out(), profile, version(), entries(profile), runtime,
                            Map.of("VERSION", ("vireo " + version() + "\nprofile " + profile + "\nruntime bundled\n")
                                    .getBytes(StandardCharsets.UTF_8))));
                }
            }
        } finally {
            if (runtime != null) {
                Trees.delete(runtime.getParent());
            }
        }
        return made;
    }

    /** The entries of a profile's distribution: path inside it -> the file it copies. */
    Map<String, Path> entries(String profile) throws IOException {
        Map<String, Path> e = new LinkedHashMap<>();
        Path dir = home.dir();
        e.put("bin/vireo", dir.resolve("vireo"));
        Path cli = dir.resolve("cli/target");
        e.put(CLI + "/vireo-cli.jar", need(cli.resolve("vireo-cli.jar")));
        addTree(e, CLI, cli.resolve("lib"));
        e.put(LAUNCHER, need(home.launcher()));
        addTree(e, BUNDLES + "/" + profile, need(home.export(profile)));
        e.put("distro/felix.properties", dir.resolve("distro/felix.properties"));
        e.put("distro/logging.properties", dir.resolve("distro/logging.properties"));
        e.put("distro/profiles/" + profile + ".properties", dir.resolve("distro/profiles/" + profile + ".properties"));
        addTree(e, "configs", dir.resolve("configs"));
        if (!profile.equals("controller")) {
            e.put("agent/python/vireo_agent.py", dir.resolve("agent/python/vireo_agent.py"));
            e.put("agent/openwhisk/ow_python_runtime.py", dir.resolve("agent/openwhisk/ow_python_runtime.py"));
            addTree(e, "examples", dir.resolve("examples"));
            e.put("tools/vireo_image.py", dir.resolve("tools/vireo_image.py"));
            e.put("tools/vireo_deps.py", dir.resolve("tools/vireo_deps.py"));
        }
        e.put("docs/operations.md", dir.resolve("docs/operations.md"));
        for (Path p : e.values()) {
            need(p);
        }
        return e;
    }

    private Path write(List<String> profiles, String root, Path runtime) throws IOException {
        String version = version();
        Map<String, Path> entries = new LinkedHashMap<>();
        for (String profile : profiles) {
            entries.putAll(entries(profile));
        }
        Path file = options.out().resolve(root + ".tar.gz");
        Path partial = options.out().resolve(root + ".tar.gz.part");
        try (OutputStream os = Files.newOutputStream(partial);
             GZIPOutputStream gz = new GZIPOutputStream(os, 1 << 16);
             TarArchiveOutputStream tar = TarEntries.open(gz)) {
            for (Map.Entry<String, Path> en : entries.entrySet()) {
                TarEntries.file(tar, root + "/" + en.getKey(), en.getValue(), Files.isExecutable(en.getValue()) ? 0755 : 0644);
            }
            if (runtime != null) {
                Map<String, Path> rt = new LinkedHashMap<>();
                addTree(rt, "runtime", runtime);
                for (Map.Entry<String, Path> en : rt.entrySet()) {
                    TarEntries.file(tar, root + "/" + en.getKey(), en.getValue(), Files.isExecutable(en.getValue()) ? 0755 : 0644);
                }
            }
            TarEntries.bytes(tar, root + "/systemd/vireo@.service", unit().getBytes(StandardCharsets.UTF_8), 0644);
            TarEntries.bytes(tar, root + "/VERSION", ("vireo " + version + "\nprofile " + String.join(" ", profiles) + "\nruntime "
                    + (runtime != null ? "bundled (Java " + Runtime.version().feature() + ")" : "none: needs a JRE >= 21")
                    + "\n").getBytes(StandardCharsets.UTF_8), 0644);
        }
        Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    /** The systemd unit for this install prefix and state folder. */
    public String unit() throws IOException {
        return SystemdUnit.render(Files.readString(home.dir().resolve(SystemdUnit.TEMPLATE)), options.prefix(),
                options.state());
    }

    /** Links a runtime from the JDK that runs this command (jlink: its jmods, or its own image from JDK 24 on). */
    private Path linkRuntime() throws IOException, InterruptedException {
        Path javaHome = home.java().getParent().getParent();
        Path jlink = javaHome.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new CliException(CliException.FAILED, "--runtime needs jlink, which the Java at " + javaHome
                    + " lacks (a JRE); run ./vireo dist with a JDK, or without --runtime");
        }
        Path tmp = Files.createTempDirectory(options.out(), ".runtime-");
        Path image = tmp.resolve("runtime");
        List<String> cmd = List.of(jlink.toString(), "--add-modules", String.join(",", MODULES), "--strip-debug",
                "--no-header-files", "--no-man-pages", "--output", image.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            Trees.delete(tmp);
            throw new CliException(CliException.FAILED, "jlink failed (" + javaHome + "): " + out.strip());
        }
        return image;
    }

    private static Path need(Path p) {
        if (!Files.exists(p)) {
            throw new CliException(CliException.FAILED, p + " is missing: build first (./vireo build)");
        }
        return p;
    }

    /** Every regular file under {@code dir}, sorted, as {@code prefix/relative}; build outputs and caches left out. */
    private static void addTree(Map<String, Path> e, String prefix, Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).sorted().forEach(p -> {
                String rel = dir.relativize(p).toString();
                if (!("/" + rel).contains("/__pycache__/") && !("/" + rel).contains("/target/")) {
                    e.put(prefix + "/" + rel, p);
                }
            });
        }
    }

}
