package dev.vireo.bpf;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;

/**
 * A process's scheduling policy, through {@code sched_setscheduler(2)} (JNA direct mapping). The scheduler runs in
 * partial mode: it schedules only tasks whose policy is {@code SCHED_EXT}, so the control plane moves a container's
 * processes there (children inherit the policy) and back. Needs root (or CAP_SYS_NICE) for other users' processes.
 * Threading: safe from any thread.
 */
public final class SchedPolicy {
    /** {@code SCHED_OTHER}: the default (fair) class. */
    public static final int SCHED_NORMAL = 0;
    /** {@code SCHED_EXT}: the loaded BPF scheduler (kernel 6.12+ with sched_ext). */
    public static final int SCHED_EXT = 7;

    private static final int EPERM = 1;
    private static final int ESRCH = 3;
    private static final int EINVAL = 22;

    private SchedPolicy() {
    }

    /**
     * Moves process {@code pid} (one thread: the one whose tid is {@code pid}; threads created later inherit it) to
     * {@code SCHED_EXT}. While no BPF scheduler is loaded such a task runs in the fair class.
     *
     * @throws SchedExtUnavailable when the kernel has no sched_ext (EINVAL)
     */
    public static void setExt(int pid) throws IOException {
        set(pid, SCHED_EXT);
    }

    /** Moves process {@code pid} back to the default class ({@code SCHED_OTHER}). */
    public static void setNormal(int pid) throws IOException {
        set(pid, SCHED_NORMAL);
    }

    /** The policy of process {@code pid} ({@link #SCHED_NORMAL}, {@link #SCHED_EXT}, ...). */
    public static int policy(int pid) throws IOException {
        checkLibc();
        try {
            return Libc.sched_getscheduler(pid);
        } catch (LastErrorException e) {
            throw failure("sched_getscheduler", pid, e.getErrorCode(), "");
        }
    }

    private static void set(int pid, int policy) throws IOException {
        checkLibc();
        try (Memory param = new Memory(4)) {
            param.setInt(0, 0); // struct sched_param { int sched_priority; } = 0 for both policies
            Libc.sched_setscheduler(pid, policy, param);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == EINVAL && policy == SCHED_EXT) {
                throw new SchedExtUnavailable("sched_setscheduler(" + pid + ", SCHED_EXT=7) failed: EINVAL: this"
                        + " kernel has no sched_ext (CONFIG_SCHED_CLASS_EXT unset)");
            }
            throw failure("sched_setscheduler", pid, e.getErrorCode(), " policy " + policy);
        }
    }

    private static IOException failure(String call, int pid, int errno, String what) {
        String meaning = switch (errno) {
            case ESRCH -> "ESRCH: no process " + pid;
            case EPERM -> "EPERM: not allowed (root or CAP_SYS_NICE needed)";
            case EINVAL -> "EINVAL: invalid policy or parameters";
            default -> "errno " + errno;
        };
        return new IOException(call + "(" + pid + what + ") failed: " + meaning);
    }

    private static void checkLibc() throws IOException {
        if (Libc.FAILURE != null) {
            throw new IOException("sched_setscheduler cannot be called from this JVM: " + Libc.FAILURE);
        }
    }
}
