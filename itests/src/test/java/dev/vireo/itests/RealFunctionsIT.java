package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.InvokeReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Functions written as people write them, on every backend at once (process, containerd, docker: one worker with
 * private daemons): one that imports numpy (BLAS through the host's /etc/alternatives), one that writes 200 MB to
 * its scratch space and one that overflows a small one, one that prints, one that takes no payload, and (on the
 * image backends) one whose own wheel and Debian package were baked into its image, and an OpenWhisk action, unchanged,
 * on an OpenWhisk runtime image through the openwhisk transport. Needs root, containerd, runc and docker.io (./vireo
 * test installs them as root); skipped elsewhere, saying why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealFunctionsIT {
    private LaunchedWorker w;

    @BeforeAll
    void start() throws Exception {
        assumeTrue("root".equals(ProcessHandle.current().info().user().orElse("")), "real backends need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/containerd")) && Files.isExecutable(Path.of("/usr/sbin/runc"))
                && Files.isExecutable(Path.of("/usr/sbin/dockerd")),
                "needs containerd, runc and docker.io (./vireo test installs them as root)");
        if (!Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/numpy"))) {
            apt("update");
            apt("install", "-y", "--no-install-recommends", "python3-numpy");
        }
        assumeTrue(Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/numpy")), "python3-numpy is missing");
        w = new LaunchedWorker(Map.of("vireo.kernel.cfg", Map.of("backends", "process, containerd, docker")));
        String built = w.vireo("image", "build", "python3");
        assertTrue(built.startsWith("0:"), built);
        String ow = w.vireo("image", "build", "openwhisk-python3");
        assertTrue(ow.startsWith("0:"), ow);
        w.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (w != null) {
            w.stop();
        }
    }

    private static void apt(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("apt-get", "-o", "DPkg::Lock::Timeout=600"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        pb.start().waitFor(15, TimeUnit.MINUTES);
    }

    private InvokeReply ok(String id, String payload) {
        InvokeReply r = w.invoke(id, payload);
        assertTrue(r.getSuccess(), id + ": " + r);
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"process", "containerd", "docker"})
    void numpyLoadsAndComputes(String backend) {
        w.register(LaunchedWorker.example("np-" + backend, "numpy", backend, "uds", 256, 60_000));
        // [[4,2,3],[4,8,6],[7,8,12]]: the trace of its square is 378, its determinant 108
        assertEquals("{\"n\": 3, \"trace\": 378.0, \"det\": 108.0}", ok("np-" + backend + "-1", "{\"n\":3}").getResult());
    }

    @ParameterizedTest
    @ValueSource(strings = {"process", "containerd", "docker"})
    void twoHundredMegabytesFitTheDefaultScratchSpaceAndASmallOneSaysItIsFull(String backend) {
        w.register(LaunchedWorker.example("scr-" + backend, "scratch", backend, "uds", 128, 120_000));
        assertEquals("{\"written_mb\": 200}", ok("scr-" + backend + "-1", "{\"mb\":200}").getResult(),
                "scratch_mb defaults to 512, on disk: not the function's 128 MB of memory");
        w.register(LaunchedWorker.example("small-" + backend, "scratch", backend, "uds", 128, 60_000).setScratchMb(32));
        InvokeReply full = w.invoke("small-" + backend + "-1", "{\"mb\":64}");
        assertFalse(full.getSuccess(), full.toString());
        assertEquals("USER_ERROR", full.getError().getKind());
        assertTrue(full.getError().getMessage().contains("scratch space full: the function's /tmp holds at most 32 MB"),
                full.getError().getMessage());
        assertEquals("{\"written_mb\": 16}", ok("small-" + backend + "-1", "{\"mb\":16}").getResult(),
                "the function carries on in the same scratch space (its half-written file is rewritten)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"process", "containerd", "docker"})
    void whatAFunctionPrintsComesBackWithItsRecord(String backend) {
        w.register(LaunchedWorker.example("pr-" + backend, "prints", backend, "uds", 64, 30_000));
        InvokeReply r = ok("pr-" + backend + "-1", "{\"n\":2}");
        assertEquals("{\"printed\": 2}", r.getResult());
        assertEquals("line 0 to stdout\nline 1 to stdout\n", r.getRecord().getOutput().getStdout());
        assertEquals("a warning to stderr\n", r.getRecord().getOutput().getStderr());
        assertFalse(r.getRecord().getOutput().getTruncated());
    }

    @ParameterizedTest
    @ValueSource(strings = {"process", "containerd", "docker"})
    void noPayloadIsAnEmptyObject(String backend) {
        w.register(LaunchedWorker.example("np0-" + backend, "no-payload", backend, "uds", 64, 30_000));
        assertEquals("{\"greeting\": \"hello, stranger\"}", ok("np0-" + backend + "-1", "").getResult());
    }

    /**
     * A function's variables, secrets and default parameters reach it in its container, the API names the secrets only,
     * and an update in place runs the code as it is now in new containers (the old ones had the old module loaded).
     */
    @ParameterizedTest
    @ValueSource(strings = {"process", "containerd", "docker"})
    void variablesSecretsAndParametersReachTheFunctionAndAnUpdateRunsTheNewCode(String backend) throws Exception {
        String name = "cfg-" + backend;
        Path code = Files.createDirectories(w.run.resolve(name));
        String source = Files.readString(LaunchedWorker.HOME.resolve("examples/config/main.py"));
        Files.writeString(code.resolve("main.py"), source + "\nVERSION = 1\n");
        FunctionSpec.Builder spec = FunctionSpec.newBuilder().setName(name).setCode(code.toString())
                .setHandler("main.handle").setBackend(backend).setTransport("uds").setMemoryMb(64).setCpus(0.05)
                .setTimeoutMs(30_000).putEnv("MODE", "prod").putSecrets("TOKEN", "s3cret")
                .setParameters("{\"greeting\": \"hi\", \"show\": [\"MODE\", \"TOKEN\", \"VIREO_HANDLER\"]}");
        w.register(spec);
        var result = com.google.gson.JsonParser.parseString(ok(name + "-1", "{\"name\": \"x\"}").getResult())
                .getAsJsonObject();
        assertEquals(com.google.gson.JsonParser.parseString("{\"greeting\": \"hi\", \"show\": [\"MODE\", \"TOKEN\","
                + " \"VIREO_HANDLER\"], \"name\": \"x\"}"), result.get("args"), "the payload over the defaults");
        assertEquals(com.google.gson.JsonParser.parseString("{\"MODE\": \"prod\", \"TOKEN\": \"s3cret\","
                + " \"VIREO_HANDLER\": \"main.handle\"}"), result.get("env"));
        FunctionSpec listed = w.call().list(dev.vireo.grpc.v1.ListRequest.getDefaultInstance()).getFunctionsList()
                .stream().filter(f -> f.getName().equals(name)).findFirst().orElseThrow();
        assertEquals(List.of("TOKEN"), listed.getSecretNamesList());
        assertFalse(listed.toString().contains("s3cret"), listed.toString());

        Files.writeString(code.resolve("main.py"), source.replace("return {", "return {\"version\": 2, ")
                + "\nVERSION = 2\n");
        InvokeReply stale = ok(name + "-1", "{}");
        assertEquals("warm", stale.getRecord().getState());
        assertFalse(stale.getResult().contains("version"), "the warm container still runs the module it loaded: "
                + stale.getResult());
        FunctionSpec updated = w.call().update(dev.vireo.grpc.v1.RegisterRequest.newBuilder()
                .setSpec(spec.clearSecrets().putSecrets("TOKEN", "n3w")).build());
        assertEquals(List.of("TOKEN"), updated.getSecretNamesList());
        InvokeReply after = ok(name + "-1", "{\"show\": [\"TOKEN\"]}");
        assertEquals("cold", after.getRecord().getState(), "a new container for the new registration");
        assertEquals(com.google.gson.JsonParser.parseString("{\"version\": 2, \"args\": {\"greeting\": \"hi\","
                + " \"show\": [\"TOKEN\"]}, \"env\": {\"TOKEN\": \"n3w\"}}"), com.google.gson.JsonParser.parseString(
                after.getResult()), "the new code, with the new secret");
        w.call().unregister(dev.vireo.grpc.v1.UnregisterRequest.newBuilder().setFunctionId(name + "-1").build());
    }

    /** A function's own wheel and Debian package, baked into its image (dependencies are image-only: no process). */
    @ParameterizedTest
    @ValueSource(strings = {"containerd", "docker"})
    void dependenciesBakedIntoTheImageImport(String backend) throws Exception {
        Path dir = Files.createDirectories(w.run.resolve("deps-" + backend));
        Path code = Files.createDirectories(dir.resolve("code"));
        Files.writeString(code.resolve("main.py"), """
                import debmod, whlmod
                import numpy
                def handle(args):
                    return {"deb": debmod.VALUE, "wheel": whlmod.VALUE, "numpy": bool(numpy.ones(2).sum() == 2)}
                """);
        Path wheels = Files.createDirectories(dir.resolve("wheels"));
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(wheels.resolve("whlmod-0.1-py3-none-any.whl")))) {
            for (var e : Map.of("whlmod/__init__.py", "VALUE = 'from the wheel'\n",
                    "whlmod-0.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: whlmod\nVersion: 0.1\n",
                    "whlmod-0.1.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
                    "whlmod-0.1.dist-info/RECORD", "").entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        Path deb = dir.resolve("debmod_1.0_all.deb");
        Path root = Files.createDirectories(dir.resolve("debroot/DEBIAN")).getParent();
        Files.writeString(root.resolve("DEBIAN/control"), "Package: vireo-it-debmod\nVersion: 1.0\nArchitecture: all\n"
                + "Maintainer: Vireo <vireo@example.org>\nDescription: a module for RealFunctionsIT\n");
        Files.writeString(Files.createDirectories(root.resolve("usr/lib/python3/dist-packages")).resolve("debmod.py"),
                "VALUE = 'from the deb'\n");
        Process p = new ProcessBuilder("dpkg-deb", "--root-owner-group", "--build", root.toString(), deb.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        String tag = "vireo/deps-" + backend + ":1";
        String built = w.vireo("image", "build", "python3", "--tag", tag, "--code", code.toString(), "--handler",
                "main.handle", "--apt", deb.toString(), "--wheels", wheels.toString());
        assertTrue(built.startsWith("0:"), built);
        w.register(FunctionSpec.newBuilder().setName("deps-" + backend).setImage(tag).setBackend(backend)
                .setTransport("uds").setMemoryMb(256).setCpus(0.05).setTimeoutMs(60_000));
        assertEquals("{\"deb\": \"from the deb\", \"wheel\": \"from the wheel\", \"numpy\": true}",
                ok("deps-" + backend + "-1", "").getResult());
    }

    /**
     * An OpenWhisk action as it is (examples/ow-main: __main__.py, main(args) returning a dict) on the image
     * openwhisk-python3, whose own command is a server of the OpenWhisk action runtime protocol: the openwhisk transport
     * sends the code to /init once per container and each invocation to /run; no Vireo agent is in the container. The
     * runtime's errors come back as the invocation's; registration refuses what the protocol cannot serve.
     */
    @ParameterizedTest
    @ValueSource(strings = {"containerd", "docker"})
    void anUnchangedOpenWhiskActionRunsOnAnOpenWhiskRuntimeImage(String backend) throws Exception {
        String name = "ow-" + backend;
        FunctionSpec.Builder spec = FunctionSpec.newBuilder().setName(name).setImage("vireo/openwhisk-python3:latest")
                .setCode(LaunchedWorker.HOME.resolve("examples/ow-main").toString()).setHandler("__main__.main")
                .setBackend(backend).setTransport("openwhisk").setMemoryMb(64).setCpus(0.1).setTimeoutMs(30_000);
        w.register(spec);
        InvokeReply cold = ok(name + "-1", "{\"name\": \"vireo\"}");
        assertEquals(com.google.gson.JsonParser.parseString("{\"greeting\": \"hello, vireo\"}"),
                com.google.gson.JsonParser.parseString(cold.getResult()));
        assertEquals("cold", cold.getRecord().getState());
        InvokeReply warm = ok(name + "-1", "");
        assertEquals("warm", warm.getRecord().getState(), "one /init per container");
        assertEquals(com.google.gson.JsonParser.parseString("{\"greeting\": \"hello, stranger\"}"),
                com.google.gson.JsonParser.parseString(warm.getResult()));

        Path code = Files.createDirectories(w.run.resolve("ow-raises-" + backend));
        Files.writeString(code.resolve("__main__.py"), """
                import os
                def main(args):
                    if args.get("raise"):
                        raise ValueError("no " + args["raise"])
                    return {"id": os.environ["__OW_ACTIVATION_ID"], "agent": os.path.exists("/vireo/agent")}
                """);
        w.register(spec.clone().setName("owr-" + backend).setCode(code.toString()));
        InvokeReply plain = ok("owr-" + backend + "-1", "{}");
        var answer = com.google.gson.JsonParser.parseString(plain.getResult()).getAsJsonObject();
        assertEquals(plain.getRecord().getTid(), answer.get("id").getAsString(), "the activation id is the tid");
        assertFalse(answer.get("agent").getAsBoolean(), "no Vireo agent in the runtime's container");
        InvokeReply raised = w.invoke("owr-" + backend + "-1", "{\"raise\": \"stock\"}");
        assertFalse(raised.getSuccess(), raised.toString());
        assertTrue(raised.getError().getMessage().contains("ValueError: no stock"), raised.getError().getMessage());
        assertTrue(ok("owr-" + backend + "-1", "{}").getSuccess(), "the runtime serves on after an error");

        Path broken = Files.createDirectories(w.run.resolve("ow-broken-" + backend));
        Files.writeString(broken.resolve("__main__.py"), "def main(args:\n");
        w.register(spec.clone().setName("owb-" + backend).setCode(broken.toString()));
        InvokeReply refused = w.invoke("owb-" + backend + "-1", "{}");
        assertFalse(refused.getSuccess(), refused.toString());
        assertTrue(refused.getError().getMessage().contains("the OpenWhisk runtime refused the action's code (/init"
                + " answered 502)"), refused.getError().getMessage());

        var twice = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
                () -> w.register(spec.clone().setName("owc-" + backend).setConcurrency(2)));
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, twice.getStatus().getCode());
        assertTrue(twice.getStatus().getDescription().contains("concurrency: an OpenWhisk runtime serves one activation"
                + " at a time"), twice.getStatus().getDescription());
        for (String n : List.of(name, "owr-" + backend, "owb-" + backend)) {
            w.call().unregister(dev.vireo.grpc.v1.UnregisterRequest.newBuilder().setFunctionId(n + "-1").build());
        }
    }
}
