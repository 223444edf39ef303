package dev.vireo.kernel.internal.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vireo.api.plugin.ExtensionPoint;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KernelOptionsTest {

    @Test
    void listsSplitOnCommasAndEnvironmentWins() {
        Map<String, String> props = Map.of("backends", " containerd , docker", "queue.policy", "fcfs");
        Map<String, String> env = Map.of("VIREO_KERNEL_QUEUE_POLICY", "sjf", "VIREO_KERNEL_GPU_MONITORS", "nvidia-smi");
        var o = KernelOptions.from(props, env::get);
        assertEquals(List.of("containerd", "docker"), o.selections().get(ExtensionPoint.BACKEND));
        assertEquals(List.of("sjf"), o.selections().get(ExtensionPoint.QUEUE));
        assertEquals(List.of("nvidia-smi"), o.selections().get(ExtensionPoint.GPU_MONITOR));
        assertEquals(List.of(), o.selections().get(ExtensionPoint.DAG));
    }

    @Test
    void envNamesAreUpperCaseWithUnderscores() {
        assertEquals("VIREO_KERNEL_KEEPALIVE_POLICY", KernelOptions.envName("keepalive.policy"));
    }

    @Test
    void rolePointsParseIdsAndRejectUnknownOnes() {
        assertEquals(java.util.EnumSet.of(ExtensionPoint.QUEUE, ExtensionPoint.BALANCER),
                KernelRegistry.rolePoints("queue, balancer"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> KernelRegistry.rolePoints("queue,nope"));
    }
}
