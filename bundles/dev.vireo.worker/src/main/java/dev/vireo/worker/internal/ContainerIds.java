package dev.vireo.worker.internal;

import dev.vireo.api.model.FunctionSpec;

/**
 * The ids of containers, which name OS objects: containerd containers, snapshots, leases and cgroups, docker
 * containers, hostnames, and the transports' socket and FIFO folders. Function names are not safe for those as they
 * are (up to 63 characters, '_', "--", a trailing '-'; the worker's name adds as much again), so an id is derived:
 * {@code <worker, 10 at most>-<function name, 16 at most>-<hash>-<sequence>}, where the two readable parts keep only
 * runs of lower-case letters and digits joined by single '-', the hash is 8 hex digits of SHA-256 over the worker's
 * full name and the full function id (names that share a shortened prefix stay apart), and the sequence (base 36)
 * makes it unique within the worker instance. At most {@value #MAX_LENGTH} characters, each in [a-z0-9-], never a
 * leading, trailing or doubled '-': a valid containerd id, docker name, hostname and file name.
 */
final class ContainerIds {
    static final int WORKER_PART = 10;
    static final int NAME_PART = 16;
    static final int HASH_PART = 8;
    /** A positive long in base 36 has at most 13 digits. */
    static final int MAX_LENGTH = WORKER_PART + 1 + NAME_PART + 1 + HASH_PART + 1 + 13;

    private ContainerIds() {
    }

    /** The id of the container number {@code sequence} (positive) the worker {@code worker} creates for {@code fn}. */
    static String of(String worker, FunctionSpec fn, long sequence) {
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence " + sequence + " is not positive");
        }
        return readable(worker, WORKER_PART) + "-" + readable(fn.name(), NAME_PART) + "-" + hash(worker, fn.id()) + "-"
                + Long.toString(sequence, 36);
    }

    /** The runs of [a-z0-9] of {@code s} (lower-cased) joined by single '-', cut to {@code max}; "x" if none. */
    static String readable(String s, int max) {
        StringBuilder b = new StringBuilder(max);
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = Character.toLowerCase(s.charAt(i));
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                b.append(c);
            } else if (b.length() > 0 && b.charAt(b.length() - 1) != '-') {
                b.append('-');
            }
        }
        while (b.length() > 0 && b.charAt(b.length() - 1) == '-') {
            b.setLength(b.length() - 1);
        }
        return b.length() == 0 ? "x" : b.toString();
    }

    private static String hash(String worker, String functionId) {
        return Digests.sha256Hex(worker + "\n" + functionId, HASH_PART / 2);
    }
}
