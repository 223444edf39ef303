package dev.vireo.backend.containerd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.backend.support.HostLibraries;
import dev.vireo.backend.support.MemoryCap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The OCI runtime spec of a function container, read back as the JSON containerd is given. */
class OciSpecTest {
    private static final Path AGENT = Path.of("/opt/vireo/agent/python");
    private static final OciSpec.Limits LIMITS = new OciSpec.Limits(65534, 65533, 256, "/usr/bin/python3", MemoryCap.HARD);

    private static FunctionSpec fn(int memoryMb, double cpus) {
        return new FunctionSpec("hello", "1", "", "/srv/code/hello", "main.handle", "containerd", Compute.CPU, "uds",
                memoryMb, cpus, Duration.ofSeconds(30), 1, null);
    }

    private static final TransportBinding UDS = new TransportBinding(
            new AgentEndpoint("uds", "/run/vireo/uds/c-1/agent.sock", Map.of()), Map.of("/run/vireo/uds/c-1", "/run/vireo"),
            Map.of("VIREO_AGENT_SOCKET", "/run/vireo/agent.sock"), "");
    private static final TransportBinding PIPE = new TransportBinding(
            new AgentEndpoint("pipe", "/run/vireo/pipe/c-1", Map.of("channels", "2")), Map.of("/run/vireo/pipe/c-1", "/run/vireo"),
            Map.of("VIREO_AGENT_PIPES", "/run/vireo", "VIREO_AGENT_PIPE_COUNT", "2"), "");
    private static final TransportBinding HTTP = new TransportBinding(
            new AgentEndpoint("http", "10.77.0.5:8080", Map.of("netns", "vireo-3")), Map.of(),
            Map.of("VIREO_AGENT_HTTP", "0.0.0.0:8080"), "/run/netns/vireo-3");

    private static final List<String> HOST_LIBRARIES =
            List.of("/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d");
    private static final OciSpec.Root SKELETON = new OciSpec.Root("/run/vireo/rootfs", AGENT, "/srv/code/hello", true,
            "main.handle", HOST_LIBRARIES, "/run/vireo/containerd/scratch/c-1");

    /** Built, written out and parsed back: what containerd receives. */
    private static JsonObject spec(String id, FunctionSpec fn, TransportBinding binding, OciSpec.Root root,
            OciSpec.Limits limits) {
        return JsonParser.parseString(OciSpec.build(id, fn, binding, root, limits).toString()).getAsJsonObject();
    }

    private static List<String> strings(JsonElement array) {
        List<String> out = new ArrayList<>();
        array.getAsJsonArray().forEach(e -> out.add(e.getAsString()));
        return out;
    }

    private static JsonObject mount(JsonObject spec, String destination) {
        for (JsonElement m : spec.getAsJsonArray("mounts")) {
            if (m.getAsJsonObject().get("destination").getAsString().equals(destination)) {
                return m.getAsJsonObject();
            }
        }
        return null;
    }

    private static JsonObject namespace(JsonObject spec, String type) {
        for (JsonElement n : spec.getAsJsonObject("linux").getAsJsonArray("namespaces")) {
            if (n.getAsJsonObject().get("type").getAsString().equals(type)) {
                return n.getAsJsonObject();
            }
        }
        return null;
    }

    private static JsonObject resources(JsonObject spec) {
        return spec.getAsJsonObject("linux").getAsJsonObject("resources");
    }

    @Test
    void theRootIsReadOnlyAndTheProcessUnprivileged() {
        JsonObject spec = spec("c-1", fn(64, 0.5), UDS, SKELETON, LIMITS);
        assertEquals("1.0.2", spec.get("ociVersion").getAsString());
        JsonObject root = spec.getAsJsonObject("root");
        assertEquals("/run/vireo/rootfs", root.get("path").getAsString());
        assertTrue(root.get("readonly").getAsBoolean());
        JsonObject process = spec.getAsJsonObject("process");
        assertEquals(65534, process.getAsJsonObject("user").get("uid").getAsInt());
        assertEquals(65533, process.getAsJsonObject("user").get("gid").getAsInt());
        assertTrue(process.get("noNewPrivileges").getAsBoolean());
        JsonObject caps = process.getAsJsonObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted", "inheritable", "ambient")) {
            assertEquals(0, caps.getAsJsonArray(set).size(), set + " capabilities");
        }
        assertEquals("/tmp", process.get("cwd").getAsString());
        JsonObject tmp = mount(spec, "/tmp");
        assertNotNull(tmp, "a private /tmp");
        assertEquals("bind", tmp.get("type").getAsString(), "the scratch space the backend made (Scratch), not a 64 MB tmpfs");
        assertEquals("/run/vireo/containerd/scratch/c-1", tmp.get("source").getAsString(), "the container's own");
        assertEquals(List.of("rbind", "rw", "nosuid", "nodev"), strings(tmp.get("options")));
        JsonObject noScratch = spec("c-2", fn(64, 0.5), UDS, new OciSpec.Root("rootfs", null, "", false, "app.handle",
                List.of(), ""), LIMITS);
        assertEquals("tmpfs", mount(noScratch, "/tmp").get("type").getAsString(), "without one, a tmpfs");
        assertTrue(strings(mount(noScratch, "/tmp").get("options")).contains("size=512m"), "of the function's scratch_mb");
        assertTrue(strings(mount(spec, "/sys").get("options")).contains("ro"));
        JsonArray devices = resources(spec).getAsJsonArray("devices");
        assertEquals(1, devices.size());
        assertFalse(devices.get(0).getAsJsonObject().get("allow").getAsBoolean(), "no device is allowed");
        assertEquals("/vireo/c-1", spec.getAsJsonObject("linux").get("cgroupsPath").getAsString());
    }

    /** The openwhisk transport's binding: the image's own server runs, from its config, with no agent or code mounted. */
    @Test
    void anImagesOwnProcessRunsWhenTheTransportTalksToItsServer() {
        TransportBinding ow = new TransportBinding(new AgentEndpoint("openwhisk", "10.214.0.5:8080",
                Map.of("netns", "vireo-4")), Map.of(), Map.of(), "/run/netns/vireo-4", false);
        FunctionSpec fn = new FunctionSpec("greet", "1", "ow/python:1", "/srv/code/greet", "__main__.main", "containerd",
                Compute.CPU, "openwhisk", 64, 0.5, Duration.ofSeconds(30), 1, null).withConfig(
                new dev.vireo.api.model.FunctionConfig(Map.of("MODE", "prod"), "", Map.of()));
        OciSpec.Root root = new OciSpec.Root("rootfs", null, "", true, "__main__.main", List.of(), "/scratch/c-9");
        JsonObject spec = JsonParser.parseString(OciSpec.build("c-9", fn, ow, root, LIMITS, new OciSpec.ImageProcess(
                List.of("/usr/bin/python3", "-u", "/openwhisk/runtime.py"), List.of("PATH=/opt/ow/bin:/usr/bin",
                        "LANG=C.UTF-8", "MODE=image"), "/action")).toString()).getAsJsonObject();
        JsonObject process = spec.getAsJsonObject("process");
        assertEquals(List.of("/usr/bin/python3", "-u", "/openwhisk/runtime.py"), strings(process.get("args")));
        assertEquals(List.of("PATH=/opt/ow/bin:/usr/bin", "LANG=C.UTF-8", "MODE=prod", "VIREO_CONTAINER=c-9",
                "VIREO_SCRATCH_MB=512"), strings(process.get("env")), "the image's, then the function's over them");
        assertFalse(spec.getAsJsonObject("root").get("readonly").getAsBoolean(), "its own writable snapshot");
        assertEquals("/action", process.get("cwd").getAsString());
        assertEquals(65534, process.getAsJsonObject("user").get("uid").getAsInt(), "never root");
        assertNull(mount(spec, "/vireo/agent"));
        assertNull(mount(spec, "/vireo/code"));
        assertEquals("/run/netns/vireo-4", namespace(spec, "network").get("path").getAsString());
        assertEquals("/", new OciSpec.ImageProcess(List.of("x"), List.of(), "").cwd(), "no working directory: /");
    }

    @Test
    void theAgentRunsWithTheGivenArgsAndEnvironment() {
        JsonObject process = spec("c-1", fn(64, 0.5), UDS, SKELETON, LIMITS).getAsJsonObject("process");
        assertEquals(List.of("/usr/bin/python3", "-u", "/vireo/agent/vireo_agent.py"), strings(process.get("args")));
        List<String> env = strings(process.get("env"));
        assertEquals(List.of("PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "PYTHONDONTWRITEBYTECODE=1",
                "VIREO_CODE_DIR=/vireo/code", "VIREO_HANDLER=main.handle", "VIREO_CONTAINER=c-1",
                "VIREO_SCRATCH_MB=512", "VIREO_AGENT_SOCKET=/run/vireo/agent.sock"), env);
        List<String> configured = strings(spec("c-1", fn(64, 0.5).withConfig(new dev.vireo.api.model.FunctionConfig(
                java.util.Map.of("PATH", "/opt/bin:/usr/bin", "MODE", "prod"), "{\"n\":1}",
                java.util.Map.of("TOKEN", "s3cret"))), UDS, SKELETON, LIMITS).getAsJsonObject("process").get("env"));
        assertEquals(List.of("PATH=/opt/bin:/usr/bin", "HOME=/tmp", "PYTHONDONTWRITEBYTECODE=1", "MODE=prod",
                "TOKEN=s3cret", "VIREO_CODE_DIR=/vireo/code", "VIREO_HANDLER=main.handle", "VIREO_CONTAINER=c-1",
                "VIREO_SCRATCH_MB=512", "VIREO_AGENT_SOCKET=/run/vireo/agent.sock"), configured,
                "the function's variables and secrets, each once (its PATH in place of ours), before the platform's");
        List<String> pipeEnv = strings(spec("c-1", fn(64, 0.5), PIPE, SKELETON, LIMITS).getAsJsonObject("process").get("env"));
        assertTrue(pipeEnv.containsAll(List.of("VIREO_AGENT_PIPES=/run/vireo", "VIREO_AGENT_PIPE_COUNT=2")), pipeEnv.toString());
    }

    @Test
    void noNetworkButAnEmptyNamespaceUnlessTheBindingNamesOne() {
        for (TransportBinding binding : List.of(UDS, PIPE)) {
            JsonObject spec = spec("c-1", fn(64, 0.5), binding, SKELETON, LIMITS);
            JsonObject network = namespace(spec, "network");
            assertNotNull(network, "a network namespace of its own: " + binding.endpoint().transport());
            assertNull(network.get("path"), "new and empty (only lo), not joined: " + binding.endpoint().transport());
            for (String ns : List.of("pid", "ipc", "uts", "mount")) {
                assertNotNull(namespace(spec, ns), ns);
            }
        }
        JsonObject http = spec("c-1", fn(64, 0.5), HTTP, SKELETON, LIMITS);
        assertEquals("/run/netns/vireo-3", namespace(http, "network").get("path").getAsString(),
                "the http transport's prepared namespace is joined");
        assertTrue(strings(http.getAsJsonObject("process").get("env")).contains("VIREO_AGENT_HTTP=0.0.0.0:8080"));
    }

    @Test
    void theTransportsDirectoryIsMountedReadWriteAndNothingElseIsWritable() {
        for (TransportBinding binding : List.of(UDS, PIPE)) {
            JsonObject spec = spec("c-1", fn(64, 0.5), binding, SKELETON, LIMITS);
            JsonObject dir = mount(spec, "/run/vireo");
            assertNotNull(dir, binding.endpoint().transport());
            assertEquals("bind", dir.get("type").getAsString());
            assertEquals(binding.mounts().keySet().iterator().next(), dir.get("source").getAsString());
            assertEquals(List.of("rbind", "rw", "nosuid", "nodev", "noexec"), strings(dir.get("options")));
            for (String ro : List.of("/usr", "/vireo/agent", "/vireo/code")) {
                JsonObject m = mount(spec, ro);
                assertNotNull(m, ro);
                assertEquals("bind", m.get("type").getAsString());
                assertTrue(strings(m.get("options")).contains("ro") && !strings(m.get("options")).contains("rw"), ro);
            }
            assertEquals("/srv/code/hello", mount(spec, "/vireo/code").get("source").getAsString());
            assertEquals(AGENT.toString(), mount(spec, "/vireo/agent").get("source").getAsString());
        }
        JsonObject http = spec("c-1", fn(64, 0.5), HTTP, SKELETON, LIMITS);
        assertNull(mount(http, "/run/vireo"), "the http transport mounts nothing");
    }

    /** numpy's libblas.so.3 is a link through /etc/alternatives: the host's /usr comes with how the host resolves it. */
    @Test
    void theHostsSharedLibraryResolutionIsBoundReadOnlyWithItsUsr() {
        assertEquals(HOST_LIBRARIES, HostLibraries.PATHS);
        JsonObject spec = spec("c-1", fn(64, 0.5), UDS, SKELETON, LIMITS);
        for (String path : HOST_LIBRARIES) {
            JsonObject m = mount(spec, path);
            assertNotNull(m, path);
            assertEquals("bind", m.get("type").getAsString());
            assertEquals(path, m.get("source").getAsString(), "the host's own, at the same place");
            assertEquals(List.of("rbind", "ro", "nosuid", "nodev"), strings(m.get("options")), path);
        }
        JsonObject image = spec("c-2", fn(64, 0.5), UDS, new OciSpec.Root("rootfs", null, "", false, "app.handle",
                List.of(), ""), LIMITS);
        for (String path : HOST_LIBRARIES) {
            assertNull(mount(image, path), "an image keeps its own /etc: " + path);
        }
    }

    @Test
    void anImagesRootBringsItsAgentAndMaybeItsOwnUsr() {
        OciSpec.Root image = new OciSpec.Root("rootfs", null, "", false, "app.handle", List.of(), "");
        JsonObject spec = spec("c-2", fn(64, 0.5), UDS, image, LIMITS);
        assertEquals("rootfs", spec.getAsJsonObject("root").get("path").getAsString());
        assertTrue(spec.getAsJsonObject("root").get("readonly").getAsBoolean());
        assertNull(mount(spec, "/usr"), "the image's own /usr");
        assertNull(mount(spec, "/vireo/agent"), "the agent is in the image");
        assertNull(mount(spec, "/vireo/code"), "so is the code");
        assertTrue(strings(spec.getAsJsonObject("process").get("env")).contains("VIREO_HANDLER=app.handle"));
        JsonObject hostUsr = spec("c-2", fn(64, 0.5), UDS, new OciSpec.Root("rootfs", null, "", true, "app.handle", List.of(), ""), LIMITS);
        assertEquals(List.of("rbind", "ro", "nosuid", "nodev"), strings(mount(hostUsr, "/usr").get("options")));
    }

    @Test
    void memoryCpuAndPidsAreLimited() {
        JsonObject hard = resources(spec("c-1", fn(64, 0.5), UDS, SKELETON, LIMITS));
        assertEquals(64L << 20, hard.getAsJsonObject("memory").get("limit").getAsLong());
        assertEquals(64L << 20, hard.getAsJsonObject("memory").get("swap").getAsLong(), "no swap beyond the limit");
        assertNull(hard.getAsJsonObject("memory").get("reservation"));
        assertEquals(100_000, hard.getAsJsonObject("cpu").get("period").getAsLong());
        assertEquals(50_000, hard.getAsJsonObject("cpu").get("quota").getAsLong());
        assertEquals(256, hard.getAsJsonObject("pids").get("limit").getAsInt());

        OciSpec.Limits soft = new OciSpec.Limits(65534, 65534, 32, "/usr/bin/python3", MemoryCap.SOFT);
        JsonObject reserved = resources(spec("c-1", fn(128, 2), UDS, SKELETON, soft));
        assertEquals(128L << 20, reserved.getAsJsonObject("memory").get("reservation").getAsLong());
        assertNull(reserved.getAsJsonObject("memory").get("limit"), "a reservation, no limit");
        assertEquals(200_000, reserved.getAsJsonObject("cpu").get("quota").getAsLong());
        assertEquals(32, reserved.getAsJsonObject("pids").get("limit").getAsInt());

        OciSpec.Limits none = new OciSpec.Limits(65534, 65534, 256, "/usr/bin/python3", MemoryCap.NONE);
        assertEquals(0, resources(spec("c-1", fn(64, 0.5), UDS, SKELETON, none)).getAsJsonObject("memory").size());
        assertEquals(1_000, resources(spec("c-1", fn(64, 0.01), UDS, SKELETON, LIMITS)).getAsJsonObject("cpu")
                .get("quota").getAsLong(), "at least 1% of a core");
    }

    @Test
    void theHostnameIsTheIdCutToSixtyThreeCharacters() {
        String id = "c".repeat(80);
        assertEquals("c".repeat(63), spec(id, fn(64, 0.5), UDS, SKELETON, LIMITS).get("hostname").getAsString());
        assertEquals("c-1", spec("c-1", fn(64, 0.5), UDS, SKELETON, LIMITS).get("hostname").getAsString());
    }
}
