package dev.vireo.resource.cpugroups.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.testkit.TestRegistry;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CpuGroupsCommandsTest {
    @Test
    void groupsAndMembersAsTheConsoleShowsThem() {
        CpuGroupsTest.Recording enforcer = new CpuGroupsTest.Recording();
        CpuGroupsTracker tracker = new CpuGroupsTracker(CpuGroupsOptions.of(CpuGroupsOptionsTest.config(Map.of(
                "groups", "0-1;2", "slice_us", "2000;8000", "order", "fifo;srt", "group_concurrency", 2)),
                CpuList.parse("0-3")));
        CpuGroups core = new CpuGroups(tracker.core().options(), enforcer);
        ResourceGrant a = core.tryAcquire(new ResourceRequest("t1", "f-1", Compute.CPU, 0, 1, 0, 1)).orElseThrow();
        core.tryAcquire(new ResourceRequest("t2", "g-1", Compute.CPU, 0, 1, 0, 1)).orElseThrow();
        core.bind(a, new ContainerPlacement("w-f-1", "f-1", Map.of("cpuset", Path.of("/x")), Optional.empty(),
                OptionalLong.empty()));
        assertEquals("""
                cpu-groups: mode cpuset, not selected (add cpu-groups to resources in vireo.kernel), in flight 2 of max 4
                group  cpus           slice.us order     in-flight  members
                0      0-1                2000 fifo          1/2          1
                1      2                  8000 srt           1/2          0""", CpuGroupsCommands.groups(core, false));
        assertEquals("""
                container                                function                 group  state     invocations
                w-f-1                                    f-1                      0      confined  1""",
                CpuGroupsCommands.members(core.members()));
        core.release(a);
        assertEquals("no container is in a CPU group now", CpuGroupsCommands.members(core.members()));

        CpuGroupsCommands commands = new CpuGroupsCommands(tracker,
                new TestRegistry().put(ResourceTracker.class, "cpu-groups", tracker));
        assertEquals(true, commands.cpugroups().startsWith("cpu-groups: mode cpuset, selected (resources), in flight 0"));
    }

    @Test
    void withoutTheSchedulerThereAreNoMapsToShowAndTheConsoleSaysWhy() {
        assertEquals("mode cpuset: no scheduler maps (cpusets hold the groups)",
                CpuGroupsCommands.maps(new CpusetEnforcer()));
        assertEquals("mode cpuset (sched-ext unavailable: no sched_ext): no scheduler maps (cpusets hold the groups)",
                CpuGroupsCommands.maps(new CpusetEnforcer("cpuset (sched-ext unavailable: no sched_ext)", true)));
    }
}
