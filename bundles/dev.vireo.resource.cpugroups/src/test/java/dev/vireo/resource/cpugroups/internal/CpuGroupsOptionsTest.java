package dev.vireo.resource.cpugroups.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.ValidationException;
import dev.vireo.testkit.Components;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuGroupsOptionsTest {
    private static final CpuList EIGHT = CpuList.parse("0-7");

    static CpuGroupsConfig config(Map<String, ?> values) {
        return Components.config(CpuGroupsConfig.class, values);
    }

    private static ValidationException refused(Map<String, ?> values) {
        return assertThrows(ValidationException.class, () -> CpuGroupsOptions.of(config(values), EIGHT));
    }

    @Test
    void cpuListsParseAndPrintInTheKernelsForm() {
        assertEquals("0-3,6", CpuList.parse(" 3,0-2 , 6").toString());
        assertEquals("5", CpuList.parse("5").toString());
        assertEquals("0,2,4-5", CpuList.parse("0,2,4,5").toString());
        assertEquals(4, CpuList.parse("0-3").size());
        for (String bad : List.of("", "a", "3-1", "1,,2", "-1", "1-", "5000")) {
            assertThrows(IllegalArgumentException.class, () -> CpuList.parse(bad), bad);
        }
    }

    @Test
    void groupsSlicesAndOrdersOneForAllOrOnePerGroup() {
        CpuGroupsOptions o = CpuGroupsOptions.of(config(Map.of("groups", "0-1;2-3;6", "slice_us", "1000;2000;3000",
                "order", "srt", "group_concurrency", 2)), EIGHT);
        assertEquals(3, o.groups().size());
        assertEquals("2-3", o.groups().get(1).cpus().toString());
        assertEquals(List.of(1000L, 2000L, 3000L), o.groups().stream().map(CpuGroup::sliceUs).toList());
        assertEquals(List.of(Order.SRT, Order.SRT, Order.SRT), o.groups().stream().map(CpuGroup::order).toList());
        assertEquals(6, o.maxInFlight(), "default: groups x group.concurrency");
        assertEquals(Mode.CPUSET, o.mode());
        assertEquals(4, CpuGroupsOptions.of(config(Map.of("groups", "0;1;2", "group_concurrency", 2,
                "max_in_flight", 4)), EIGHT).maxInFlight());
    }

    @Test
    void weightsOneForAllOrOnePerGroupAndIdleContainersKeptUnlessRestoreIsAsked() {
        CpuGroupsOptions o = CpuGroupsOptions.of(config(Map.of("groups", "0;1", "weight", "100;2500")), EIGHT);
        assertEquals(List.of(100, 2500), o.groups().stream().map(CpuGroup::weight).toList());
        assertTrue(o.keepIdle(), "default: keep");
        CpuGroupsOptions d = CpuGroupsOptions.of(config(Map.of("groups", "0;1", "idle", "restore")), EIGHT);
        assertEquals(List.of(0, 0), d.groups().stream().map(CpuGroup::weight).toList(), "default: the container's own");
        assertTrue(!d.keepIdle());
        assertTrue(new CpusetEnforcer("cpuset", o.keepIdle()).keepsIdle());
    }

    @Test
    void noGroupsMeansOnePerOnlineCpu() {
        CpuGroupsOptions o = CpuGroupsOptions.of(config(Map.of()), CpuList.parse("0-2"));
        assertEquals(List.of("0", "1", "2"), o.groups().stream().map(g -> g.cpus().toString()).toList());
        assertEquals(3, o.maxInFlight());
    }

    @Test
    void everyMistakeNamesItsKey() {
        assertEquals("groups", refused(Map.of("groups", "0-1;x")).field());
        assertTrue(refused(Map.of("groups", "0-1;x")).getMessage().contains("group 1"));
        ValidationException shared = refused(Map.of("groups", "0-2;2-3"));
        assertTrue(shared.getMessage().contains("CPUs 2 are in groups 0 and 1"), shared.getMessage());
        ValidationException offline = refused(Map.of("groups", "0;9"));
        assertTrue(offline.getMessage().contains("online: 0-7"), offline.getMessage());
        assertEquals("slice.us", refused(Map.of("groups", "0;1;2", "slice_us", "100;200")).field());
        assertEquals("slice.us", refused(Map.of("slice_us", "10")).field());
        assertEquals("slice.us", refused(Map.of("slice_us", "fast")).field());
        ValidationException order = refused(Map.of("order", "lifo"));
        assertEquals("order", order.field());
        assertTrue(order.getMessage().contains("fifo, arrival, srt"), order.getMessage());
        assertEquals("group.concurrency", refused(Map.of("group_concurrency", 0)).field());
        assertEquals("max.in.flight", refused(Map.of("groups", "0;1", "max_in_flight", 3)).field());
        assertEquals("max.in.flight", refused(Map.of("max_in_flight", -1)).field());
        assertEquals("weight", refused(Map.of("groups", "0;1", "weight", "100;200;300")).field());
        ValidationException weight = refused(Map.of("weight", "20000"));
        assertEquals("weight", weight.field());
        assertTrue(weight.getMessage().contains("[0, 10000]"), weight.getMessage());
        assertEquals("weight", refused(Map.of("weight", "heavy")).field());
        ValidationException idle = refused(Map.of("idle", "park"));
        assertEquals("idle", idle.field());
        assertTrue(idle.getMessage().contains("keep, restore"), idle.getMessage());
        ValidationException mode = refused(Map.of("mode", "cgroups"));
        assertEquals("mode", mode.field());
        assertTrue(mode.getMessage().contains("modes: cpuset, sched-ext"), mode.getMessage());
    }

    @Test
    void schedExtFallsBackToCpusetWhereTheKernelHasNoSchedExtAndSaysWhy() {
        org.junit.jupiter.api.Assumptions.assumeFalse(java.nio.file.Files.isDirectory(
                dev.vireo.bpf.SchedExtGroups.SYSFS), "this kernel has sched_ext (the QEMU test covers that path)");
        CpuGroupsTracker tracker = new CpuGroupsTracker(CpuGroupsOptions.of(config(Map.of("mode", "sched-ext")),
                CpuList.parse("0-3")));
        try {
            assertTrue(tracker.core().enforcement().startsWith("cpuset (sched-ext unavailable: this kernel has no"
                    + " sched_ext"), tracker.core().enforcement());
            assertTrue(tracker.core().enforcer() instanceof CpusetEnforcer);
        } finally {
            tracker.close();
        }
    }

    @Test
    void theSchedulersMaskAndOrderAreTheGroupsOwn() {
        assertEquals(0b1101L, SchedExtEnforcer.mask(CpuList.parse("0,2-3")));
        assertEquals(1L << 63, SchedExtEnforcer.mask(CpuList.parse("63")));
        assertThrows(IllegalArgumentException.class, () -> SchedExtEnforcer.mask(CpuList.parse("64")));
        for (Order o : Order.values()) {
            assertEquals(o.name(), SchedExtEnforcer.order(o).name());
        }
    }
}
