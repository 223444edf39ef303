package dev.vireo.bpf;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The libc functions this bundle calls, through JNA direct mapping; registered on first use. {@link #FAILURE} says
 * why they could not be (JNA's native part missing), null when they were.
 */
final class Libc {
    static final Throwable FAILURE;

    static {
        Throwable failure = null;
        try {
            Native.register(Libc.class, NativeLibrary.getInstance("c"));
        } catch (LinkageError | RuntimeException e) {
            failure = e;
        }
        FAILURE = failure;
    }

    private Libc() {
    }

    static native long syscall(long number, long cmd, Pointer attr, long size) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int sched_setscheduler(int pid, int policy, Pointer param) throws LastErrorException;

    static native int sched_getscheduler(int pid) throws LastErrorException;
}
