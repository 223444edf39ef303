package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** sched_setscheduler on this host: no sched_ext here, so SCHED_EXT is the clear fallback error. */
class SchedPolicyTest {
    @Test
    void setExtWithoutSchedExtIsSchedExtUnavailableAndNormalWorks() throws Exception {
        assumeTrue(Bpf.unavailable().isEmpty(), () -> "skipped: " + Bpf.unavailable().orElse(""));
        assumeTrue(!Files.exists(Path.of("/sys/kernel/sched_ext")), "skipped: this kernel has sched_ext");
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            int pid = (int) child.pid();
            SchedExtUnavailable e = assertThrows(SchedExtUnavailable.class, () -> SchedPolicy.setExt(pid));
            assertTrue(e.getMessage().contains("no sched_ext") && e.getMessage().contains(Integer.toString(pid)),
                    e.getMessage());
            SchedPolicy.setNormal(pid);
            assertEquals(SchedPolicy.SCHED_NORMAL, SchedPolicy.policy(pid));
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    @Test
    void aProcessThatIsGoneIsNamed() throws Exception {
        assumeTrue(Bpf.unavailable().isEmpty(), () -> "skipped: " + Bpf.unavailable().orElse(""));
        Process child = new ProcessBuilder("true").start();
        child.waitFor();
        int pid = (int) child.pid();
        IOException e = assertThrows(IOException.class, () -> SchedPolicy.setNormal(pid));
        assertTrue(e.getMessage().contains("ESRCH: no process " + pid), e.getMessage());
    }
}
