package dev.vireo.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.spi.gpu.GpuSample;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The monitors on recorded outputs of the real tools, and the tracker's assignment. */
class GpuTest {
    private static String sample(String name) throws IOException {
        try (InputStream in = GpuTest.class.getResourceAsStream("/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void nvidiaSmiCsvGivesOneSamplePerGpu() throws IOException {
        List<GpuSample> s = NvidiaSmiMonitor.parse(sample("nvidia-smi-h100.csv"));
        assertEquals(List.of(new GpuSample(0, "NVIDIA H100 80GB HBM3", 37, 1024, 81559),
                new GpuSample(1, "NVIDIA H100 80GB HBM3", 0, 4, 81559)), s);
        assertEquals(0, NvidiaSmiMonitor.parse(sample("nvidia-smi-na.csv")).get(0).utilisationPct(), "[N/A] reads 0");
        assertEquals(List.of(), NvidiaSmiMonitor.parse(""));
        IOException bad = assertThrows(IOException.class, () -> NvidiaSmiMonitor.parse("No devices were found\n"));
        assertTrue(bad.getMessage().contains("unexpected nvidia-smi line"), bad.getMessage());
    }

    @Test
    void tegrastatsLinesOfOrinAndNano() throws IOException {
        assertEquals(List.of(new GpuSample(0, "jetson-gr3d", 37, 2448, 3964)),
                TegrastatsMonitor.parse(sample("tegrastats-orin.txt")));
        assertEquals(List.of(new GpuSample(0, "jetson-gr3d", 0, 1837, 3956)),
                TegrastatsMonitor.parse(sample("tegrastats-nano.txt")));
        IOException bad = assertThrows(IOException.class, () -> TegrastatsMonitor.parse("RAM 1/2MB CPU [1%]"));
        assertTrue(bad.getMessage().contains("GR3D_FREQ"), bad.getMessage());
    }

    private static GpuTracker.Config config(String devices, int shares) {
        return new GpuTracker.Config() {
            @Override
            public String devices() {
                return devices;
            }

            @Override
            public int shares_per_gpu() {
                return shares;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return GpuTracker.Config.class;
            }
        };
    }

    private static ResourceRequest gpu(String tid) {
        return new ResourceRequest(tid, "f-1", Compute.GPU, 128, 0, 1, 0);
    }

    @Test
    void sharesAreSpreadAssignedAndReleasedOnce() {
        GpuTracker t = new GpuTracker(() -> null, config("0, 2", 2));
        ResourceGrant a = t.tryAcquire(gpu("a")).orElseThrow();
        ResourceGrant b = t.tryAcquire(gpu("b")).orElseThrow();
        assertTrue(!a.assignment().get("gpu").equals(b.assignment().get("gpu")), "spread over both GPUs first");
        t.tryAcquire(gpu("c")).orElseThrow();
        t.tryAcquire(gpu("d")).orElseThrow();
        assertTrue(t.tryAcquire(gpu("e")).isEmpty(), "4 shares in all");
        assertEquals(4, t.usage().used());
        t.release(a);
        t.release(a);
        assertEquals(3, t.usage().used(), "released once");
        assertEquals(a.assignment(), t.tryAcquire(gpu("f")).orElseThrow().assignment(), "the freed share is reused");
        assertEquals(0, t.tryAcquire(new ResourceRequest("g", "f-1", Compute.CPU, 128, 1, 0, 1)).orElseThrow().amount());
    }

    @Test
    void noGpuSaysWhyAndBadConfigIsRefused() {
        GpuTracker none = new GpuTracker(() -> null, config("none", 1));
        assertEquals("needs a GPU but this worker has none: devices = none", none.impossible(gpu("a")).orElseThrow());
        assertTrue(none.tryAcquire(gpu("a")).isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GpuTracker(() -> null, config("zero,one", 1)));
        assertTrue(e.getMessage().contains("devices must be GPU indices"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GpuTracker(() -> null, config("0", 0)));
    }
}
