package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.ListRequest;
import dev.vireo.workload.AzureTrace;
import dev.vireo.workload.FunctionData;
import dev.vireo.workload.FunctionTrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The FunctionBench-style suite of {@code examples/fb-*}: its own Python tests, then characterized on a worker's
 * process and containerd backends ({@code vireo loadgen characterize}; containerd as root with its packages) and a trace replayed on it through the function-data file, each
 * trace function as the real function closest to it. Needs Debian's python3-numpy, -pil, -jinja2 and -cryptography
 * ({@code ./vireo test} installs them as root).
 */
class FunctionSuiteIT {
    private static final Path HOME = LaunchedWorker.HOME;
    private static final List<String> PACKAGES = List.of("numpy", "PIL", "jinja2", "cryptography");

    private static void assumePackages() {
        for (String p : PACKAGES) {
            assumeTrue(Files.isDirectory(Path.of("/usr/lib/python3/dist-packages", p)), "python3 package " + p
                    + " is needed (./vireo test installs the suite's Debian packages as root)");
        }
    }

    private static List<Path> suite() throws Exception {
        try (Stream<Path> dirs = Files.list(HOME.resolve("examples"))) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("fb-")).sorted().toList();
        }
    }

    @Test
    void theSuitesOwnTestsPass(@TempDir Path tmp) throws Exception {
        assumePackages();
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", "examples/functionbench/test_functions.py")
                .directory(HOME.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile());
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        pb.environment().put("PYTHONNOUSERSITE", "1");
        Process p = pb.start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the suite's tests did not finish in 300 s");
        String out = Files.readString(tmp.resolve("out"));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("OK"), out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"process", "containerd"})
    void characterizedOnABackendThenATraceReplaysOnTheClosestFunctions(String backend, @TempDir Path tmp)
            throws Exception {
        assumePackages();
        List<Path> suite = suite();
        assertEquals(8, suite.size(), "the suite: " + suite);
        if (backend.equals("containerd")) {
            LaunchedWorker.assumeContainerd("functions on containerd");
        }
        LaunchedWorker w = new LaunchedWorker(Map.of("vireo.kernel.cfg", Map.of("backends", backend)));
        try {
            if (backend.equals("containerd")) {
                String built = w.vireo("image", "build", "python3");
                assertTrue(built.startsWith("0:"), built);
            }
            w.start();
            Path data = tmp.resolve("fb.csv");
            List<String> args = new ArrayList<>(List.of("loadgen", "characterize", "--target", w.target(),
                    "--backend", backend, "--cold", "2", "--warm", "5", "--out", data.toString()));
            suite.forEach(d -> args.add(d.toString()));
            String out = w.vireo(args.toArray(String[]::new));
            assertTrue(out.startsWith("0:"), out);
            List<FunctionData.Characterized> measured = FunctionData.read(data);
            assertEquals(suite.stream().map(d -> d.getFileName().toString()).toList(),
                    measured.stream().map(FunctionData.Characterized::name).toList());
            for (FunctionData.Characterized c : measured) {
                assertTrue(c.warmMs() > 0 && c.warmMs() < 5_000, c.toString());
                assertTrue(c.coldStartMs() > 0 && c.coldMs() >= c.coldStartMs(), "a cold call starts a process: " + c);
                assertEquals(2, c.coldSamples());
                assertEquals(backend, c.backend());
            }
            assertEquals(List.of(), w.call().list(ListRequest.getDefaultInstance()).getFunctionsList().stream()
                    .map(FunctionSpec::getName).toList(), "characterize removes what it registered");

            Path trace = tmp.resolve("trace");
            assertTrue(w.vireo("trace", "synth", "--functions", "6", "--minutes", "1", "--seed", "3", "--rate", "1",
                    "--out", trace.toString()).startsWith("0:"));
            out = w.vireo("loadgen", "trace", "--target", w.target(), "--trace", trace.toString(), "--backend",
                    backend, "--function-data", data.toString(), "--speed", "6", "--out", tmp.toString(), "--name",
                    "mapped-" + backend);
            assertTrue(out.startsWith("0:"), out);
            JsonObject summary = JsonParser.parseString(Files.readString(tmp.resolve("mapped-" + backend + "/summary.json")))
                    .getAsJsonObject();
            JsonObject mapped = summary.getAsJsonObject("run").getAsJsonObject("mapped");
            Map<String, String> expected = new TreeMap<>();
            for (FunctionTrace f : AzureTrace.load(trace)) {
                expected.put(f.function(), FunctionData.closest(f, measured).name());
            }
            Map<String, String> got = new TreeMap<>();
            mapped.entrySet().forEach(e -> got.put(e.getKey(), e.getValue().getAsString()));
            assertEquals(expected, got, "each trace function replayed as the closest characterized one");
            JsonObject overall = summary.getAsJsonObject("overall");
            assertTrue(overall.get("count").getAsLong() > 10, overall.toString());
            assertEquals(0, overall.get("errors").getAsLong(), "every call of the real functions succeeded: " + out);
        } finally {
            w.stop();
        }
    }
}
