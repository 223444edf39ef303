package dev.vireo.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.cli.Home;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./vireo image build --apt/--wheels (tools/vireo_image.py, vireo_deps.py) with a wheel and a .deb made here: the
 * dependency layer holds them relocated under /vireo/deps, the label lists them, and the real agent, pointed at the
 * unpacked layer, imports both and loads the package's shared library through LD_LIBRARY_PATH.
 */
class ImageDepsTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String MULTIARCH = "usr/lib/x86_64-linux-gnu";
    private static final Path HOST_LIBZ = Path.of("/" + MULTIARCH + "/libz.so.1");

    @TempDir
    static Path tmp;

    static Path repo;

    @BeforeAll
    static void tools() {
        assumeTrue(Files.isExecutable(Path.of(PYTHON)), "needs " + PYTHON);
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("tools/vireo_image.py"))) {
            dir = dir.getParent();
        }
        assumeTrue(dir != null, "tools/vireo_image.py not found above " + Path.of("").toAbsolutePath());
        repo = dir;
    }

    private static Home home(Path dir) {
        return new Home(repo, dir.resolve("run"), dir, dir, dir, Path.of(System.getProperty("java.home"), "bin", "java"));
    }

    /** A wheel file as a build backend writes it: the package, a .data/purelib module, a script, the dist-info. */
    static Path wheel(Path dir, String filename, String module) throws IOException {
        Files.createDirectories(dir);
        Path whl = dir.resolve(filename);
        String[] parts = filename.split("-");
        String dist = parts[0] + "-" + parts[1];
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(whl))) {
            Map<String, String> files = Map.of(
                    module + "/__init__.py", "VALUE = 'from the wheel'\n",
                    dist + ".data/purelib/" + module + "_extra.py", "X = 42\n",
                    dist + ".data/scripts/" + module + "-tool", "#!/bin/sh\n",
                    dist + ".dist-info/METADATA", "Metadata-Version: 2.1\nName: " + parts[0] + "\nVersion: " + parts[1] + "\n",
                    dist + ".dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: "
                            + String.join("-", parts[2], parts[3], parts[4].replace(".whl", "")) + "\n",
                    dist + ".dist-info/RECORD", "");
            for (var e : files.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return whl;
    }

    /** A .deb built with dpkg-deb: a module in /usr/lib/python3/dist-packages, a real shared library and links. */
    static Path deb(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg-deb")), "needs dpkg-deb");
        Path root = Files.createDirectories(dir.resolve("debroot"));
        Files.createDirectories(root.resolve("DEBIAN"));
        Files.writeString(root.resolve("DEBIAN/control"), "Package: vireo-test-debmod\nVersion: 1.2-3\n"
                + "Architecture: all\nMaintainer: Vireo <vireo@example.org>\nDepends: python3\n"
                + "Description: a module and a library for ImageDepsTest\n");
        Path site = Files.createDirectories(root.resolve("usr/lib/python3/dist-packages"));
        Files.writeString(site.resolve("debmod.py"), "VALUE = 'from the deb'\n");
        Path lib = Files.createDirectories(root.resolve(MULTIARCH));
        Files.copy(HOST_LIBZ.toRealPath(), lib.resolve("libvireotest.so.1"));
        Files.createSymbolicLink(lib.resolve("libvireotest.so"), Path.of("libvireotest.so.1"));
        Files.createSymbolicLink(lib.resolve("libvireoabs.so"), Path.of("/" + MULTIARCH + "/libvireotest.so.1"));
        Path out = dir.resolve("vireo-test-debmod_1.2-3_all.deb");
        Process p = new ProcessBuilder("dpkg-deb", "--root-owner-group", "--build", root.toString(), out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        return out;
    }

    static String run(Path cwd, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }

    /** Every layer of an archive unpacked in order into one directory (what the container's root shows). */
    static Path unpack(Path archive, Path into) throws Exception {
        Path oci = Files.createDirectories(into.resolve("oci"));
        run(oci, "tar", "-xf", archive.toString());
        Path root = Files.createDirectories(into.resolve("root"));
        JsonObject manifest = JsonParser.parseString(Files.readString(oci.resolve("manifest.json"))).getAsJsonArray()
                .get(0).getAsJsonObject();
        for (var layer : manifest.getAsJsonArray("Layers")) {
            run(root, "tar", "-xf", oci.resolve(layer.getAsString()).toString());
        }
        return root;
    }

    private static Path buildWithDeps(Path dir) throws Exception {
        assumeTrue(Files.isRegularFile(HOST_LIBZ), "needs " + HOST_LIBZ);
        Path code = Files.createDirectories(dir.resolve("code"));
        Files.writeString(code.resolve("main.py"), """
                import ctypes, os, sys
                import debmod, whlmod, whlmod_extra
                def handle(args):
                    ctypes.CDLL("libvireotest.so.1")  # found only through LD_LIBRARY_PATH
                    return {"deb": debmod.VALUE, "wheel": whlmod.VALUE, "extra": whlmod_extra.X, "pid": os.getpid(),
                            "ld": os.environ.get("LD_LIBRARY_PATH", ""), "path": sys.path}
                """);
        Path wheels = dir.resolve("wheels");
        wheel(wheels, "whlmod-0.1-py3-none-any.whl", "whlmod");
        Path deb = deb(dir);
        int rc = ImageCommand.build(home(dir), "python3", "test/deps:1",
                new ImageCommand.Options(code, "main.handle", List.of(deb.toString()), wheels));
        assertEquals(0, rc);
        Path archive = dir.resolve("run/images/test_deps_1.tar");
        assertTrue(Files.isRegularFile(archive));
        return archive;
    }

    @Test
    void theDependencyLayerHoldsTheRelocatedPackageAndTheUnpackedWheel() throws Exception {
        Path dir = tmp.resolve("layer");
        Path archive = buildWithDeps(dir);
        Map<String, String> labels = ImageLabels.read(archive);
        assertEquals("main.handle", labels.get("dev.vireo.handler"));
        assertEquals("host", labels.get("dev.vireo.usr"));
        JsonArray deps = JsonParser.parseString(labels.get("dev.vireo.deps")).getAsJsonArray();
        assertEquals(2, deps.size(), deps.toString());
        JsonObject deb = deps.get(0).getAsJsonObject();
        assertEquals(List.of("deb", "vireo-test-debmod", "1.2-3"), List.of(deb.get("kind").getAsString(),
                deb.get("name").getAsString(), deb.get("version").getAsString()));
        JsonObject wheel = deps.get(1).getAsJsonObject();
        assertEquals(List.of("wheel", "whlmod", "0.1", "whlmod-0.1-py3-none-any.whl"), List.of(
                wheel.get("kind").getAsString(), wheel.get("name").getAsString(), wheel.get("version").getAsString(),
                wheel.get("file").getAsString()));

        Path root = unpack(archive, dir.resolve("unpacked"));
        Path vireoDeps = root.resolve("vireo/deps");
        assertEquals("VALUE = 'from the deb'\n",
                Files.readString(vireoDeps.resolve("usr/lib/python3/dist-packages/debmod.py")));
        assertTrue(Files.isRegularFile(vireoDeps.resolve(MULTIARCH + "/libvireotest.so.1")));
        assertEquals(Path.of("libvireotest.so.1"), Files.readSymbolicLink(vireoDeps.resolve(MULTIARCH + "/libvireotest.so")));
        assertEquals(Path.of("/vireo/deps/" + MULTIARCH + "/libvireotest.so.1"),
                Files.readSymbolicLink(vireoDeps.resolve(MULTIARCH + "/libvireoabs.so")), "an absolute link follows the file");
        try (var usr = Files.list(root.resolve("usr"))) {
            assertEquals(0, usr.count(), "nothing of the package under /usr: the host's /usr is mounted there");
        }
        assertEquals("VALUE = 'from the wheel'\n", Files.readString(vireoDeps.resolve("python/whlmod/__init__.py")));
        assertEquals("X = 42\n", Files.readString(vireoDeps.resolve("python/whlmod_extra.py")), "purelib at the top");
        assertTrue(Files.isRegularFile(vireoDeps.resolve("python/whlmod-0.1.dist-info/METADATA")));
        try (var all = Files.walk(vireoDeps)) {
            assertFalse(all.anyMatch(p -> p.getFileName().toString().equals("whlmod-tool")), "scripts are left out");
        }
        assertTrue(Files.isRegularFile(root.resolve("vireo/code/main.py")), "the code layer is still there");
    }

    @Test
    void theAgentImportsBothAndLoadsTheLibrary() throws Exception {
        Path dir = tmp.resolve("agent");
        Path root = unpack(buildWithDeps(dir), dir.resolve("unpacked"));
        Path socket = dir.resolve("a.sock");
        ProcessBuilder pb = new ProcessBuilder(PYTHON, "-u", repo.resolve("agent/python/vireo_agent.py").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile());
        pb.environment().remove("LD_LIBRARY_PATH");
        pb.environment().putAll(Map.of("VIREO_DEPS_DIR", root.resolve("vireo/deps").toString(),
                "VIREO_CODE_DIR", root.resolve("vireo/code").toString(), "VIREO_HANDLER", "main.handle",
                "VIREO_AGENT_SOCKET", socket.toString()));
        Process agent = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(socket) && System.nanoTime() < deadline && agent.isAlive()) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(socket), Files.readString(dir.resolve("agent.log")));
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                InputStream in = Channels.newInputStream(ch);
                OutputStream out = Channels.newOutputStream(ch);
                JsonObject ready = frame(in);
                assertEquals("ready", ready.get("type").getAsString(), ready.toString());
                assertEquals(agent.pid(), ready.get("pid").getAsLong(), "the re-executed agent keeps its pid");
                JsonObject invoke = new JsonObject();
                invoke.addProperty("type", "invoke");
                invoke.addProperty("tid", "t1");
                invoke.addProperty("payload", "{}");
                byte[] body = invoke.toString().getBytes(StandardCharsets.UTF_8);
                out.write(ByteBuffer.allocate(4).putInt(body.length).array());
                out.write(body);
                JsonObject result = frame(in);
                assertTrue(result.get("success").getAsBoolean(), result.toString());
                JsonObject value = JsonParser.parseString(result.get("result").getAsString()).getAsJsonObject();
                assertEquals("from the deb", value.get("deb").getAsString());
                assertEquals("from the wheel", value.get("wheel").getAsString());
                assertEquals(42, value.get("extra").getAsInt());
                assertTrue(value.get("ld").getAsString().startsWith(root.resolve("vireo/deps/" + MULTIARCH).toString()),
                        value.toString());
                List<String> path = new ArrayList<>();
                value.getAsJsonArray("path").forEach(p -> path.add(p.getAsString()));
                assertEquals(root.resolve("vireo/code").toString(), path.get(0), "the code first");
                int wheels = path.indexOf(root.resolve("vireo/deps/python").toString());
                int debs = path.indexOf(root.resolve("vireo/deps/usr/lib/python3/dist-packages").toString());
                int system = path.indexOf("/usr/lib/python3/dist-packages");
                assertTrue(wheels > 0 && debs > wheels && (system < 0 || system > debs), path.toString());
            }
        } finally {
            agent.destroy();
            agent.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static JsonObject frame(InputStream in) throws IOException {
        byte[] header = in.readNBytes(4);
        assertEquals(4, header.length, "the agent closed the connection");
        byte[] body = in.readNBytes(ByteBuffer.wrap(header).getInt());
        return JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @Test
    void aWheelForAnotherPythonIsRefusedByName() throws Exception {
        Path dir = tmp.resolve("refused");
        Path wheels = dir.resolve("wheels");
        wheel(wheels, "oldmod-1.0-cp27-cp27mu-manylinux1_x86_64.whl", "oldmod");
        assertNotEquals(0, ImageCommand.build(home(dir), "python3", "test/refused:1",
                new ImageCommand.Options(null, null, List.of(), wheels)));
        Process p = new ProcessBuilder(PYTHON, repo.resolve("tools/vireo_image.py").toString(), "build", "python3",
                "--out", dir.resolve("out.tar").toString(), "--wheels", wheels.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, p.waitFor());
        assertTrue(out.contains("wheel oldmod-1.0-cp27-cp27mu-manylinux1_x86_64.whl does not fit"), out);
        assertFalse(Files.exists(dir.resolve("out.tar")), "no image");
        assertFalse(Files.exists(dir.resolve("run/images/test_refused_1.tar")), "no image");
    }
}
