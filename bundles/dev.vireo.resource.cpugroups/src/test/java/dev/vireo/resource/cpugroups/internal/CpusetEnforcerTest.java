package dev.vireo.resource.cpugroups.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mode cpuset on this host's real cgroup v1 cpuset hierarchy (root; skipped otherwise), and on a stand-in cgroup v2
 * directory (a regular cpuset.cpus file: the path logic, anywhere).
 */
class CpusetEnforcerTest {
    private static final Path CPUSET = Path.of("/sys/fs/cgroup/cpuset");

    @Test
    void aProcessInTheContainersCgroupRunsOnlyOnItsGroupsCpusUntilRelease() throws Exception {
        assumeTrue(Files.isWritable(CPUSET.resolve("cgroup.procs")) && "root".equals(System.getProperty("user.name")),
                "needs root and a cgroup v1 cpuset hierarchy at " + CPUSET);
        CpuList all = CpuList.parse(Files.readString(CPUSET.resolve("cpuset.cpus")));
        assumeTrue(all.size() >= 2, "needs at least 2 CPUs in " + CPUSET + " (has " + all + ")");
        int last = all.stream().max().orElseThrow();
        Path dir = CPUSET.resolve("vireo-test-" + ProcessHandle.current().pid());
        Files.createDirectory(dir);
        Process spin = null;
        try {
            Files.writeString(dir.resolve("cpuset.mems"), Files.readString(CPUSET.resolve("cpuset.mems")).trim());
            Files.writeString(dir.resolve("cpuset.cpus"), all.toString());
            spin = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(spin.pid()));
            assertEquals(all.toString(), allowed(spin.pid()));

            CpuGroups groups = new CpuGroups(CpuGroupsOptions.of(CpuGroupsOptionsTest.config(Map.of(
                    "groups", all.stream().filter(c -> c != last).mapToObj(Integer::toString).reduce((a, b) -> a + "," + b)
                            .orElseThrow() + ";" + last)), all), new CpusetEnforcer());
            ResourceGrant first = groups.tryAcquire(slot("t1")).orElseThrow();
            ResourceGrant second = groups.tryAcquire(slot("t2")).orElseThrow();
            assertEquals(Integer.toString(last), second.assignment().get("cpus"));
            ContainerPlacement placement = new ContainerPlacement("vireo-test", "f-1", Map.of("cpuset", dir),
                    Optional.empty(), OptionalLong.of(spin.pid()));
            groups.bind(second, placement);

            assertEquals(Integer.toString(last), Files.readString(dir.resolve("cpuset.cpus")).trim());
            assertEquals(Integer.toString(last), allowed(spin.pid()), "the kernel moved the process to the group's CPUs");
            Set<Integer> ranOn = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                Thread.sleep(10); // a test may sleep; the busy loop is scheduled meanwhile
                ranOn.add(lastCpu(spin.pid()));
            }
            assertEquals(Set.of(last), ranOn, "where the process ran, sampled 20 times");
            assertEquals(List.of("vireo-test -> " + last), groups.members().stream()
                    .map(m -> m.containerId() + " -> " + m.group().cpus()).toList());

            groups.release(second);
            assertEquals(all.toString(), Files.readString(dir.resolve("cpuset.cpus")).trim(), "restored at release");
            assertEquals(all.toString(), allowed(spin.pid()));
            groups.release(first);
            assertEquals(0, groups.usage().used());
        } finally {
            if (spin != null) {
                spin.destroyForcibly();
                spin.waitFor(10, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 50 && Files.exists(dir); i++) {
                try {
                    Files.delete(dir); // rmdir of a cgroup: fails while the killed process is still in it
                } catch (IOException e) {
                    Thread.sleep(20);
                }
            }
        }
    }

    @Test
    void aCgroup2DirectoryIsUsedWhenThereIsNoV1CpusetAndNeitherMeansUnplaced(@TempDir Path tmp) throws IOException {
        Path v2 = Files.createDirectories(tmp.resolve("unified/vireo/c1"));
        Files.writeString(v2.resolve("cpuset.cpus"), "\n"); // v2: empty = the parent's CPUs
        CpusetEnforcer enforcer = new CpusetEnforcer();
        CpuGroup group = new CpuGroup(1, CpuList.parse("2-3"), 5000, Order.FIFO, 1);
        ContainerPlacement placement = new ContainerPlacement("c1", "f-1",
                Map.of("memory", tmp.resolve("memory/vireo/c1")), Optional.of(v2), OptionalLong.empty());
        GroupEnforcer.Bound bound = enforcer.bind(group, placement, 0).orElseThrow();
        assertEquals(v2.resolve("cpuset.cpus"), bound.target());
        assertEquals("2-3", Files.readString(v2.resolve("cpuset.cpus")));
        enforcer.unbind(bound);
        assertEquals("\n", Files.readString(v2.resolve("cpuset.cpus")), "back to the parent's");

        Path noCpuset = Files.createDirectories(tmp.resolve("unified/vireo/c2"));
        assertTrue(enforcer.bind(group, new ContainerPlacement("c2", "f-1", Map.of(), Optional.of(noCpuset),
                OptionalLong.empty()), 0).isEmpty(), "a cgroup2 directory without the cpuset controller: unplaced");
        assertTrue(enforcer.bind(group, new ContainerPlacement("c3", "f-1", Map.of(), Optional.empty(),
                OptionalLong.of(7)), 0).isEmpty(), "a pid alone: unplaced");

        Files.delete(v2.resolve("cpuset.cpus"));
        enforcer.unbind(bound); // the container's cgroup went with it: nothing to restore, no error
        assertTrue(Files.notExists(v2.resolve("cpuset.cpus")), "unbind never creates the file");
    }

    @Test
    void aGroupsWeightIsWrittenInTheHierarchysUnitsAndRestoredWithTheCpus(@TempDir Path tmp) throws IOException {
        Path cpuset = Files.createDirectories(tmp.resolve("cpuset/vireo/c1"));
        Path cpu = Files.createDirectories(tmp.resolve("cpu/vireo/c1"));
        Files.writeString(cpuset.resolve("cpuset.cpus"), "0-7\n");
        Files.writeString(cpu.resolve("cpu.shares"), "1024\n");
        ContainerPlacement v1 = new ContainerPlacement("c1", "f-1", Map.of("cpuset", cpuset, "cpu", cpu),
                Optional.empty(), OptionalLong.empty());
        CpusetEnforcer enforcer = new CpusetEnforcer();
        CpuGroup heavy = new CpuGroup(1, CpuList.parse("1"), 5000, Order.FIFO, 1, 2500);
        CpuGroup plain = new CpuGroup(0, CpuList.parse("0"), 5000, Order.FIFO, 1, 0);
        GroupEnforcer.Bound bound = enforcer.bind(heavy, v1, 0).orElseThrow();
        assertEquals("25600", Files.readString(cpu.resolve("cpu.shares")), "v1: weight x 1024 / 100");
        GroupEnforcer.Bound moved = enforcer.move(bound, plain, 0);
        assertEquals("0", Files.readString(cpuset.resolve("cpuset.cpus")));
        assertEquals("1024", Files.readString(cpu.resolve("cpu.shares")), "a group without weight: the container's own");
        moved = enforcer.move(moved, heavy, 0);
        assertEquals("1", Files.readString(cpuset.resolve("cpuset.cpus")));
        assertEquals("25600", Files.readString(cpu.resolve("cpu.shares")));
        Files.writeString(cpu.resolve("cpu.shares"), "marker");
        moved = enforcer.move(moved, new CpuGroup(2, CpuList.parse("2"), 5000, Order.FIFO, 1, 2500), 0);
        assertEquals("marker", Files.readString(cpu.resolve("cpu.shares")), "the same weight: not written again");
        Files.writeString(cpu.resolve("cpu.shares"), "25600");
        enforcer.unbind(moved);
        assertEquals("0-7", Files.readString(cpuset.resolve("cpuset.cpus")), "the values from before the first bind");
        assertEquals("1024", Files.readString(cpu.resolve("cpu.shares")));

        Path v2 = Files.createDirectories(tmp.resolve("unified/vireo/c2"));
        Files.writeString(v2.resolve("cpuset.cpus"), "\n");
        Files.writeString(v2.resolve("cpu.weight"), "100\n");
        ContainerPlacement unified = new ContainerPlacement("c2", "f-1", Map.of(), Optional.of(v2), OptionalLong.empty());
        GroupEnforcer.Bound b2 = enforcer.bind(heavy, unified, 0).orElseThrow();
        assertEquals("2500", Files.readString(v2.resolve("cpu.weight")), "v2: the weight as it is");
        enforcer.unbind(b2);
        assertEquals("100", Files.readString(v2.resolve("cpu.weight")));
    }

    @Test
    void keptIdleTheContainersFilesAreWrittenOnlyWhenItsGroupChanges(@TempDir Path tmp) throws IOException {
        Path v2 = Files.createDirectories(tmp.resolve("unified/vireo/c1"));
        Path file = v2.resolve("cpuset.cpus");
        Files.writeString(file, "\n");
        ContainerPlacement placement = new ContainerPlacement("c1", "f-1", Map.of(), Optional.of(v2),
                OptionalLong.empty());
        CpuGroups groups = new CpuGroups(CpuGroupsOptions.of(CpuGroupsOptionsTest.config(Map.of("groups", "0;1",
                "function_groups", "f-1=0; g-1=1")), CpuList.parse("0-3")), new CpusetEnforcer("cpuset", true));
        ResourceGrant first = groups.tryAcquire(slot("t1")).orElseThrow();
        groups.bind(first, placement);
        groups.unbind(first);
        groups.release(first);
        assertEquals("0", Files.readString(file), "still in group 0 while idle");
        Files.writeString(file, "marker"); // any write from here on would replace it
        ResourceGrant second = groups.tryAcquire(slot("t2")).orElseThrow();
        groups.bind(second, placement);
        groups.unbind(second);
        groups.release(second);
        assertEquals("marker", Files.readString(file), "the same group again: nothing written");
        ResourceGrant other = groups.tryAcquire(new ResourceRequest("t3", "g-1", Compute.CPU, 0, 1, 0, 1)).orElseThrow();
        groups.bind(other, placement);
        assertEquals("1", Files.readString(file), "another group: moved");
        groups.unbind(other);
        groups.release(other);
        groups.close();
        assertEquals("\n", Files.readString(file), "close writes back the container's own (v2: the parent's)");
    }

    private static ResourceRequest slot(String tid) {
        return new ResourceRequest(tid, "f-1", Compute.CPU, 0, 1, 0, 1);
    }

    /** The CPUs the process may run on, as the kernel says. */
    static String allowed(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("Cpus_allowed_list:")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst().orElseThrow();
    }

    /** The CPU the process last ran on: field 39 of /proc/PID/stat. */
    private static int lastCpu(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(after[39 - 3]);
    }
}
