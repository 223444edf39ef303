package dev.vireo.bpf;

import java.io.IOException;

/**
 * A {@code bpf(2)} call failed. Carries the errno, the command and the object it was about (a map, a path, a BTF
 * blob); the message says what the errno means for that command, e.g.
 * {@code bpf MAP_UPDATE_ELEM on map 'groups' (HASH, max_entries 4) failed: E2BIG (7): map full ...}.
 *
 * <p>A host where the syscall cannot be made at all (not Linux on x86_64, or JNA's native part missing) gives
 * {@link #ENOSYS}.
 */
public final class BpfException extends IOException {
    private static final long serialVersionUID = 1L;

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ENOSYS = 38;
    /** The kernel-internal "not supported" some BPF paths leak to user space. */
    public static final int ENOTSUPP = 524;

    private final BpfCommand command;
    private final int errno;
    private final String object;

    /**
     * @param command the command that failed
     * @param errno the errno it set
     * @param object what it was about, as a reader would name it ({@code map 'groups' (HASH, max_entries 4)})
     * @param detail more to say after the meaning (a verifier log, a reason), or empty
     */
    public BpfException(BpfCommand command, int errno, String object, String detail) {
        super("bpf " + command + (object.isEmpty() ? "" : " on " + object) + " failed: " + Errno.name(errno) + " ("
                + errno + "): " + Errno.meaning(command, errno) + (detail.isEmpty() ? "" : "; " + detail));
        this.command = command;
        this.errno = errno;
        this.object = object;
    }

    /** The errno of the failed call ({@link #ENOSYS} when the syscall could not be made on this host). */
    public int errno() {
        return errno;
    }

    /** The command that failed. */
    public BpfCommand command() {
        return command;
    }

    /** What the call was about, e.g. {@code map 'groups' (HASH, max_entries 4)} or {@code path /sys/fs/bpf/x}. */
    public String object() {
        return object;
    }
}
