package dev.vireo.bpf;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code bpf(2)} syscall through JNA direct mapping: {@code syscall(321, cmd, attr, size)} with {@code attr} in
 * native memory. Linux on x86_64 only; elsewhere (or when JNA's native part does not load) every call fails with a
 * {@link BpfException} of errno {@link BpfException#ENOSYS} that says why, and {@link #unavailable()} says so up
 * front. Threading: all methods are safe to call from any thread; the syscall itself is reentrant.
 */
public final class Bpf {
    /** {@code __NR_bpf} on x86_64. */
    public static final int SYS_BPF_X86_64 = 321;

    private static final String PLATFORM_PROBLEM =
            platformProblem(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));

    private Bpf() {
    }

    /** Why this host cannot call {@code bpf(2)} from here, or null when it can (by OS and architecture alone). */
    static String platformProblem(String os, String arch) {
        if (!os.startsWith("Linux")) {
            return "bpf(2) exists on Linux only; this JVM runs on " + os + "/" + arch;
        }
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return "bpf(2) is called as syscall " + SYS_BPF_X86_64 + ", its number on x86_64; this JVM runs on Linux/"
                    + arch + " (its number there is not known to dev.vireo.bpf.Bpf)";
        }
        return null;
    }

    /**
     * Why {@code bpf(2)} cannot be called from this JVM, or empty when it can. Says nothing about permission: a
     * non-root caller finds out with EPERM on its first call.
     */
    public static Optional<String> unavailable() {
        if (PLATFORM_PROBLEM != null) {
            return Optional.of(PLATFORM_PROBLEM);
        }
        Throwable failure = Libc.FAILURE;
        return failure == null ? Optional.empty()
                : Optional.of("JNA could not bind syscall() in libc (" + failure + ")");
    }

    /**
     * Calls {@code bpf(command, attr, size)}.
     *
     * @param object what the call is about, for the error message ({@code map 'groups' (HASH, max_entries 4)})
     * @return the syscall's non-negative result (a new file descriptor for the commands that create one)
     * @throws BpfException with the errno and its meaning for this command
     */
    public static int call(BpfCommand command, Pointer attr, int size, String object) throws BpfException {
        long r = raw(command, attr, size, object);
        if (r < 0) {
            throw new BpfException(command, (int) -r, object, "");
        }
        return (int) r;
    }

    /** Like {@link #call} but returns {@code -errno} on failure, so expected misses (ENOENT) cost no exception. */
    static long raw(BpfCommand command, Pointer attr, int size, String object) throws BpfException {
        Optional<String> problem = unavailable();
        if (problem.isPresent()) {
            throw new BpfException(command, BpfException.ENOSYS, object, problem.get());
        }
        try {
            return Libc.syscall(SYS_BPF_X86_64, command.number(), attr, size);
        } catch (LastErrorException e) {
            return -e.getErrorCode();
        }
    }

    /** Opens the object pinned at {@code path} ({@code BPF_OBJ_GET}) and returns its new file descriptor. */
    public static int objGet(Path path) throws BpfException {
        try (Memory name = cString(path.toString()); Memory attr = attr(16)) {
            attr.setLong(0, Pointer.nativeValue(name));
            return call(BpfCommand.OBJ_GET, attr, 16, "path " + path);
        }
    }

    /** Pins the object behind {@code fd} at {@code path} on a bpf filesystem ({@code BPF_OBJ_PIN}). */
    public static void objPin(int fd, Path path, String object) throws BpfException {
        try (Memory name = cString(path.toString()); Memory attr = attr(16)) {
            attr.setLong(0, Pointer.nativeValue(name));
            attr.setInt(8, fd);
            call(BpfCommand.OBJ_PIN, attr, 16, object + " at path " + path);
        }
    }

    /** Closes a file descriptor this library handed out; a failure (an fd already closed) is ignored. */
    public static void closeFd(int fd) {
        if (fd < 0 || unavailable().isPresent()) {
            return;
        }
        try {
            Libc.close(fd);
        } catch (LastErrorException e) {
            // EBADF or EINTR: on Linux the descriptor is gone either way
        }
    }

    /** Zeroed native memory for a {@code bpf_attr} of {@code size} bytes (the kernel wants unused fields zero). */
    static Memory attr(int size) {
        Memory m = new Memory(size);
        m.clear();
        return m;
    }

    /** {@code s} as a NUL-terminated UTF-8 string in native memory. */
    static Memory cString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        Memory m = new Memory(b.length + 1L);
        m.write(0, b, 0, b.length);
        m.setByte(b.length, (byte) 0);
        return m;
    }
}
