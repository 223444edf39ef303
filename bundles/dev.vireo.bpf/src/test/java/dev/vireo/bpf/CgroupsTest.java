package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cgroup ids: the cgroup2 directory's inode, and a clear error for anything else. */
class CgroupsTest {
    @Test
    void theIdIsTheInodeOfTheCgroup2Directory() throws Exception {
        Path root = TestCgroup.root();
        assumeTrue(root != null, "skipped: no cgroup2 hierarchy");
        assertEquals(1, Cgroups.id(root), "the root cgroup's kernfs id is 1");
        Process stat = new ProcessBuilder("stat", "-c", "%i", root.toString()).start();
        assertEquals(Long.toString(Cgroups.id(root)), new String(stat.getInputStream().readAllBytes()).strip());
    }

    @Test
    void aDirectoryOutsideCgroup2IsRefusedSayingWhy(@TempDir Path tmp) throws Exception {
        IOException e = assertThrows(IOException.class, () -> Cgroups.id(tmp));
        assertTrue(e.getMessage().contains("not cgroup2") && e.getMessage().contains(tmp.toString()), e.getMessage());
        Path v1 = Path.of("/sys/fs/cgroup/cpu");
        if (Files.isDirectory(v1) && !Files.getFileStore(v1).type().equals("cgroup2")) {
            IOException onV1 = assertThrows(IOException.class, () -> Cgroups.id(v1));
            assertTrue(onV1.getMessage().contains("on cgroup,"), onV1.getMessage());
        }
        assertThrows(IOException.class, () -> Cgroups.id(tmp.resolve("none")));
    }
}
