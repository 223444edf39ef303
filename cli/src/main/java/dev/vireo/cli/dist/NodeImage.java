package dev.vireo.cli.dist;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vireo.cli.CliException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A container image of one profile, built from the distribution without a registry or a base image: an OCI image
 * archive ({@code oci-layout}, {@code index.json}, blobs; with docker-archive's {@code manifest.json} too, so
 * {@code docker load} and containerd's import both take it). Two layers: the system one holds only what the linked
 * Java runtime loads from the host (the C library and its loader, found with {@code ldd}), {@code /etc/passwd} with
 * user 65534, {@code /tmp} and the run folder {@code /var/lib/vireo}; the other holds the distribution under
 * {@code /opt/vireo}, its APIs bound to every address. It runs as user 65534 with no capabilities and a read-only root
 * ({@code --read-only --tmpfs /tmp --tmpfs /var/lib/vireo}); the entry point is {@code vireo run PROFILE}, so
 * arguments after the image name replace the profile and add framework properties ({@code -D KEY=VALUE}).
 */
final class NodeImage {
    /** Runtime libraries that only the desktop (AWT, sound) loads: headless, their X11 and ALSA dependencies stay out. */
    private static final List<String> DESKTOP = List.of("libawt_xawt.so", "libjawt.so", "libsplashscreen.so",
            "libjsound.so", "libfontmanager.so", "liblcms.so", "libawt.so", "libfreetype.so", "libmlib_image.so",
            "libjavajpeg.so");

    private NodeImage() {
    }

    /** Where the distribution lies in the image. */
    static final String HOME = "/opt/vireo";

    /**
     * Writes the image of {@code profile} from the distribution's entries (path inside it -> file) and its runtime
     * folder; returns the archive.
     */
    static Path write(Path out, String profile, String version, Map<String, Path> entries, Path runtime,
            Map<String, byte[]> generated) throws IOException, InterruptedException {
        Path tmp = Files.createTempDirectory(out, ".image-");
        try {
            Layer system = layer(tmp.resolve("system.tar"), t -> system(t, runtime));
            Layer dist = layer(tmp.resolve("dist.tar"), t -> {
                TarEntries.dir(t, "opt/", 0755, 0);
                for (Map.Entry<String, Path> e : entries.entrySet()) {
                    byte[] changed = e.getKey().startsWith("configs/vireo.worker.") ? bindAll(e.getValue()) : null;
                    if (changed != null) {
                        TarEntries.bytes(t, "opt/vireo/" + e.getKey(), changed, 0644);
                    } else {
                        TarEntries.file(t, "opt/vireo/" + e.getKey(), e.getValue(), Files.isExecutable(e.getValue()) ? 0755 : 0644);
                    }
                }
                try (Stream<Path> s = Files.walk(runtime)) {
                    for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                        TarEntries.file(t, "opt/vireo/runtime/" + runtime.relativize(p), p, Files.isExecutable(p) ? 0755 : 0644);
                    }
                }
                for (Map.Entry<String, byte[]> g : generated.entrySet()) {
                    TarEntries.bytes(t, "opt/vireo/" + g.getKey(), g.getValue(), 0644);
                }
            });
            String tag = "vireo/" + profile + ":" + version.toLowerCase(java.util.Locale.ROOT);
            Path archive = out.resolve("vireo-" + version + "-" + profile + ".oci.tar");
            archive(archive, tag, profile, List.of(system, dist));
            return archive;
        } finally {
            dev.vireo.cli.instance.Trees.delete(tmp);
        }
    }

    private record Layer(Path file, String digest, long size) {
    }

    private interface Writer {
        void write(TarArchiveOutputStream t) throws IOException, InterruptedException;
    }

    private static Layer layer(Path file, Writer w) throws IOException, InterruptedException {
        MessageDigest md = sha256();
        try (OutputStream os = Files.newOutputStream(file); DigestOutputStream ds = new DigestOutputStream(os, md);
             TarArchiveOutputStream t = TarEntries.open(ds)) {
            w.write(t);
        }
        return new Layer(file, "sha256:" + HexFormat.of().formatHex(md.digest()), Files.size(file));
    }

    /** The C library the runtime needs, the user, the writable folders. */
    private static void system(TarArchiveOutputStream t, Path runtime) throws IOException, InterruptedException {
        TarEntries.dir(t, "etc/", 0755, 0);
        TarEntries.bytes(t, "etc/passwd", ("root:x:0:0:root:/root:/sbin/nologin\n"
                + "vireo:x:65534:65534:vireo:/tmp:/sbin/nologin\n").getBytes(StandardCharsets.UTF_8), 0644);
        TarEntries.bytes(t, "etc/group", "root:x:0:\nvireo:x:65534:\n".getBytes(StandardCharsets.UTF_8), 0644);
        TarEntries.dir(t, "tmp/", 01777, 0);
        TarEntries.dir(t, "var/", 0755, 0);
        TarEntries.dir(t, "var/lib/", 0755, 0);
        TarEntries.dir(t, "var/lib/vireo/", 0755, 65534);
        TreeSet<String> dirs = new TreeSet<>();
        for (String lib : hostLibraries(runtime)) {
            Path p = Path.of(lib);
            List<String> parents = new ArrayList<>();
            for (Path d = p.getParent(); d != null && d.getNameCount() > 0; d = d.getParent()) {
                parents.add(0, d.toString().substring(1) + "/");
            }
            for (String d : parents) {
                if (dirs.add(d)) {
                    TarEntries.dir(t, d, 0755, 0);
                }
            }
            TarEntries.file(t, lib.substring(1), p.toRealPath(), 0755);
        }
    }

    /** The host files ({@code ldd}) the runtime's launcher and its non-desktop libraries load. */
    static List<String> hostLibraries(Path runtime) throws IOException, InterruptedException {
        List<Path> objects = new ArrayList<>(List.of(runtime.resolve("bin/java")));
        try (Stream<Path> s = Files.walk(runtime.resolve("lib"))) {
            s.filter(p -> p.getFileName().toString().endsWith(".so") && !DESKTOP.contains(p.getFileName().toString()))
                    .sorted().forEach(objects::add);
        }
        TreeSet<String> libs = new TreeSet<>();
        for (Path o : objects) {
            Process p = new ProcessBuilder("ldd", o.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new CliException(CliException.FAILED, "ldd " + o + " failed: " + out.strip());
            }
            for (String line : out.lines().toList()) {
                String l = line.strip();
                int arrow = l.indexOf("=> /");
                String path = arrow >= 0 ? l.substring(arrow + 3, l.indexOf(' ', arrow + 3) < 0 ? l.length()
                        : l.indexOf(' ', arrow + 3)) : l.startsWith("/") ? l.split("\\s+")[0] : null;
                if (path != null && !path.startsWith(runtime.toString())) {
                    libs.add(path);
                }
                if (l.contains("not found") && !inRuntime(runtime, l.split("\\s+")[0])) {
                    throw new CliException(CliException.FAILED, o + " needs a library this host lacks: " + l);
                }
            }
        }
        return List.copyOf(libs);
    }

    /** Whether the runtime carries a library itself (libjvm.so, which its other libraries find beside them). */
    private static boolean inRuntime(Path runtime, String name) throws IOException {
        try (Stream<Path> s = Files.walk(runtime)) {
            return s.anyMatch(p -> p.getFileName().toString().equals(name));
        }
    }

    /** A worker API configuration with {@code bind = 0.0.0.0}: in a container, the port is published from outside. */
    private static byte[] bindAll(Path cfg) throws IOException {
        String text = Files.readString(cfg);
        if (!text.contains("\nbind = ")) {
            return null;
        }
        return text.replaceAll("(?m)^bind = .*$", "bind = 0.0.0.0").getBytes(StandardCharsets.UTF_8);
    }

    private static void archive(Path archive, String tag, String profile, List<Layer> layers) throws IOException {
        Map<String, Object> blobs = new LinkedHashMap<>(); // digest -> Path or byte[]
        JsonArray layerDescs = new JsonArray();
        JsonArray diffIds = new JsonArray();
        for (Layer l : layers) {
            JsonObject d = new JsonObject();
            d.addProperty("mediaType", "application/vnd.oci.image.layer.v1.tar");
            d.addProperty("digest", l.digest());
            d.addProperty("size", l.size());
            layerDescs.add(d);
            diffIds.add(l.digest());
            blobs.put(l.digest(), l.file());
        }
        boolean controller = profile.equals("controller");
        JsonObject cfg = new JsonObject();
        cfg.addProperty("User", "65534:65534");
        JsonArray env = new JsonArray();
        env.add("PATH=" + HOME + "/runtime/bin:/usr/bin:/bin");
        env.add("JAVA_HOME=" + HOME + "/runtime");
        env.add("HOME=/tmp");
        env.add("VIREO_RUN_DIR=/var/lib/vireo");
        env.add("VIREO_DEPLOY_DIR=/var/lib/vireo/deploy");
        cfg.add("Env", env);
        JsonArray entry = new JsonArray();
        for (String s : List.of(HOME + "/runtime/bin/java", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Djava.awt.headless=true", "-Dvireo.home=" + HOME, "-cp",
                HOME + "/lib/cli/*", "dev.vireo.cli.Main", "run")) {
            entry.add(s);
        }
        cfg.add("Entrypoint", entry);
        JsonArray cmd = new JsonArray();
        cmd.add(profile);
        if (!controller) {
            cmd.add("-D");
            cmd.add("vireo.backends=sim"); // no privileges: the simulated backend; give -D vireo.backends=... to change
        }
        cfg.add("Cmd", cmd);
        cfg.addProperty("WorkingDir", "/tmp");
        JsonObject ports = new JsonObject();
        ports.add((controller ? "8080" : "8070") + "/tcp", new JsonObject());
        ports.add((controller ? "8081" : "8071") + "/tcp", new JsonObject());
        cfg.add("ExposedPorts", ports);
        JsonObject labels = new JsonObject();
        labels.addProperty("org.opencontainers.image.title", "vireo " + profile);
        labels.addProperty("org.opencontainers.image.version", tag.substring(tag.indexOf(':') + 1));
        cfg.add("Labels", labels);
        JsonObject config = new JsonObject();
        config.addProperty("architecture", "amd64");
        config.addProperty("os", "linux");
        config.add("config", cfg);
        JsonObject rootfs = new JsonObject();
        rootfs.addProperty("type", "layers");
        rootfs.add("diff_ids", diffIds);
        config.add("rootfs", rootfs);
        byte[] configBytes = config.toString().getBytes(StandardCharsets.UTF_8);
        String configDigest = digest(configBytes);
        blobs.put(configDigest, configBytes);

        JsonObject manifest = new JsonObject();
        manifest.addProperty("schemaVersion", 2);
        manifest.addProperty("mediaType", "application/vnd.oci.image.manifest.v1+json");
        JsonObject configDesc = new JsonObject();
        configDesc.addProperty("mediaType", "application/vnd.oci.image.config.v1+json");
        configDesc.addProperty("digest", configDigest);
        configDesc.addProperty("size", configBytes.length);
        manifest.add("config", configDesc);
        manifest.add("layers", layerDescs);
        byte[] manifestBytes = manifest.toString().getBytes(StandardCharsets.UTF_8);
        String manifestDigest = digest(manifestBytes);
        blobs.put(manifestDigest, manifestBytes);

        JsonObject mdesc = new JsonObject();
        mdesc.addProperty("mediaType", "application/vnd.oci.image.manifest.v1+json");
        mdesc.addProperty("digest", manifestDigest);
        mdesc.addProperty("size", manifestBytes.length);
        JsonObject ann = new JsonObject();
        ann.addProperty("io.containerd.image.name", tag);
        ann.addProperty("org.opencontainers.image.ref.name", tag);
        mdesc.add("annotations", ann);
        JsonObject index = new JsonObject();
        index.addProperty("schemaVersion", 2);
        index.addProperty("mediaType", "application/vnd.oci.image.index.v1+json");
        JsonArray manifests = new JsonArray();
        manifests.add(mdesc);
        index.add("manifests", manifests);
        // docker load reads the docker-archive manifest.json; containerd the OCI index: one archive, both
        JsonObject docker = new JsonObject();
        docker.addProperty("Config", "blobs/sha256/" + configDigest.substring(7));
        JsonArray tags = new JsonArray();
        tags.add(tag);
        docker.add("RepoTags", tags);
        JsonArray dl = new JsonArray();
        layers.forEach(l -> dl.add("blobs/sha256/" + l.digest().substring(7)));
        docker.add("Layers", dl);
        JsonArray dockerManifest = new JsonArray();
        dockerManifest.add(docker);

        Path partial = archive.resolveSibling(archive.getFileName() + ".part");
        try (TarArchiveOutputStream t = TarEntries.open(Files.newOutputStream(partial))) {
            TarEntries.bytes(t, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8), 0644);
            TarEntries.bytes(t, "index.json", index.toString().getBytes(StandardCharsets.UTF_8), 0644);
            TarEntries.bytes(t, "manifest.json", dockerManifest.toString().getBytes(StandardCharsets.UTF_8), 0644);
            TarEntries.dir(t, "blobs/", 0755, 0);
            TarEntries.dir(t, "blobs/sha256/", 0755, 0);
            for (Map.Entry<String, Object> b : blobs.entrySet()) {
                String name = "blobs/sha256/" + b.getKey().substring(7);
                if (b.getValue() instanceof Path p) {
                    TarEntries.file(t, name, p, 0644);
                } else {
                    TarEntries.bytes(t, name, (byte[]) b.getValue(), 0644);
                }
            }
        }
        Files.move(partial, archive, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String digest(byte[] data) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(data));
    }

}
