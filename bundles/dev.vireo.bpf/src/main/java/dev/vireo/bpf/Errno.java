package dev.vireo.bpf;

/** Names of the errnos {@code bpf(2)} sets, and what each means for a given command. */
final class Errno {
    private Errno() {
    }

    static String name(int errno) {
        return switch (errno) {
            case BpfException.EPERM -> "EPERM";
            case BpfException.ENOENT -> "ENOENT";
            case BpfException.E2BIG -> "E2BIG";
            case BpfException.EBADF -> "EBADF";
            case BpfException.ENOMEM -> "ENOMEM";
            case BpfException.EACCES -> "EACCES";
            case BpfException.EFAULT -> "EFAULT";
            case BpfException.EBUSY -> "EBUSY";
            case BpfException.EEXIST -> "EEXIST";
            case BpfException.ENOTDIR -> "ENOTDIR";
            case BpfException.EINVAL -> "EINVAL";
            case BpfException.ENOSPC -> "ENOSPC";
            case BpfException.ENOSYS -> "ENOSYS";
            case BpfException.ENOTSUPP -> "ENOTSUPP";
            default -> "errno " + errno;
        };
    }

    /** What {@code errno} means when {@code command} sets it (measured on kernel 6.18, see docs/bpf.md). */
    static String meaning(BpfCommand command, int errno) {
        String specific = switch (command) {
            case MAP_CREATE -> switch (errno) {
                case BpfException.EINVAL -> "invalid map attributes (type, key/value size, max_entries, flags, a name"
                        + " with characters other than [A-Za-z0-9_.], or BTF type ids whose sizes do not match the"
                        + " key/value size)";
                case BpfException.E2BIG -> "key or value too large for this map type";
                case BpfException.ENOMEM -> "out of memory for max_entries (or RLIMIT_MEMLOCK on kernels before 5.11)";
                default -> null;
            };
            case MAP_LOOKUP_ELEM -> errno == BpfException.ENOENT ? "no such key" : null;
            case MAP_UPDATE_ELEM -> switch (errno) {
                case BpfException.EEXIST -> "key exists (update with NOEXIST)";
                case BpfException.ENOENT -> "no such key (update with EXIST)";
                case BpfException.E2BIG -> "map full (no room for a new key: max_entries reached) or array index out"
                        + " of range";
                case BpfException.EINVAL -> "invalid flags for this map type";
                default -> null;
            };
            case MAP_DELETE_ELEM -> switch (errno) {
                case BpfException.ENOENT -> "no such key";
                case BpfException.EINVAL -> "this map type does not delete (ARRAY elements always exist: overwrite"
                        + " with zeroes instead)";
                default -> null;
            };
            case MAP_GET_NEXT_KEY -> errno == BpfException.ENOENT ? "no key after this one (end of iteration)" : null;
            case OBJ_PIN -> switch (errno) {
                case BpfException.EEXIST -> "the path exists (unlink it first)";
                case BpfException.ENOENT -> "the parent directory does not exist";
                case BpfException.EPERM -> "the path is not on a bpf filesystem (mount -t bpf bpf /sys/fs/bpf), or"
                        + " no permission to create it";
                default -> null;
            };
            case OBJ_GET -> switch (errno) {
                case BpfException.ENOENT -> "nothing is pinned at this path";
                case BpfException.EACCES -> "no permission to open it, or the path is not on a bpf filesystem";
                case BpfException.EINVAL -> "the pinned object is not of the expected kind";
                default -> null;
            };
            case BTF_LOAD -> switch (errno) {
                case BpfException.EINVAL -> "the kernel rejected the BTF blob (see its log)";
                case BpfException.E2BIG -> "BTF blob too large";
                default -> null;
            };
            default -> null;
        };
        if (specific != null) {
            return specific;
        }
        return switch (errno) {
            case BpfException.EPERM -> "not permitted: needs root or CAP_BPF (CAP_SYS_ADMIN on older kernels);"
                    + " see also sysctl kernel.unprivileged_bpf_disabled";
            case BpfException.EBADF -> "not an open BPF file descriptor";
            case BpfException.EFAULT -> "a pointer in bpf_attr is not readable or writable";
            case BpfException.EINVAL -> "invalid argument";
            case BpfException.ENOMEM -> "out of kernel memory";
            case BpfException.ENOSYS -> "the bpf syscall is not available here";
            case BpfException.ENOTSUPP -> "not supported by this kernel";
            default -> "unexpected for this command";
        };
    }
}
