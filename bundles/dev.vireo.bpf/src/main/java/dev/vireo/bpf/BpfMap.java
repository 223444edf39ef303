package dev.vireo.bpf;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A BPF map of type HASH or ARRAY, held through its file descriptor: created here ({@link #create}) or opened where
 * it is pinned ({@link #open}). Keys and values are byte arrays of exactly {@link #keySize()} and
 * {@link #valueSize()} bytes, in the layout the BPF side uses (little-endian on x86_64); {@link #u64(long)} and
 * {@link #u32(int)} build such arrays, and the {@code long}-key methods encode the key in the map's key size (4 or
 * 8 bytes) for you.
 *
 * <p>Threading: safe for any number of threads. Element operations run concurrently (the kernel serialises what it
 * must); {@link #close()} waits for operations in flight, after which every operation throws
 * {@link IllegalStateException}. Each operation has a native buffer of its own while it runs (element calls take one
 * from a few kept spares), so none shares memory with another.
 */
public final class BpfMap implements Closeable {
    private static final int ELEM_ATTR = 32; // map_fd@0, key@8, value|next_key@16, flags@24
    private static final int CREATE_ATTR = 64; // up to btf_vmlinux_value_type_id@60
    private static final int INFO_LENGTH = 88; // sizeof(struct bpf_map_info) with map_extra
    private static final int SPARE_BUFFERS = 8;

    private final MapType type;
    private final String name;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final int id;
    private final int btfId;
    private final String label;
    private final int valueOffset;
    private final int bufferSize;
    private final Lock use;
    private final Lock closing;
    private int fd; // guarded by the lock; -1 once closed
    /**
     * Call buffers (attr + key + value) kept for the next element call: a JNA {@code Memory} is a malloc and a
     * cleaner registration, about as costly as the syscall itself on the per-invocation path (map, unmap).
     */
    private final ArrayBlockingQueue<Memory> spare = new ArrayBlockingQueue<>(SPARE_BUFFERS);

    private BpfMap(int fd, MapType type, String name, int keySize, int valueSize, int maxEntries, int id, int btfId) {
        this.fd = fd;
        this.type = type;
        this.name = name;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
        this.id = id;
        this.btfId = btfId;
        this.label = "map '" + name + "' (id " + id + ", " + type + ", max_entries " + maxEntries + ")";
        this.valueOffset = ELEM_ATTR + align8(keySize);
        this.bufferSize = valueOffset + align8(Math.max(keySize, valueSize));
        ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        this.use = lock.readLock();
        this.closing = lock.writeLock();
    }

    /** Creates a map ({@code BPF_MAP_CREATE}). Close it when done; pin it first to keep it past the last close. */
    public static BpfMap create(MapSpec spec) throws BpfException {
        String object = "map '" + spec.name() + "' (" + spec.type() + ", key " + spec.keySize() + " B, value "
                + spec.valueSize() + " B, max_entries " + spec.maxEntries() + ")";
        int fd;
        try (Memory attr = Bpf.attr(CREATE_ATTR)) {
            attr.setInt(0, spec.type().number());
            attr.setInt(4, spec.keySize());
            attr.setInt(8, spec.valueSize());
            attr.setInt(12, spec.maxEntries());
            attr.setInt(16, spec.flags());
            byte[] n = spec.name().getBytes(StandardCharsets.US_ASCII);
            attr.write(28, n, 0, n.length); // map_name[16], NUL-terminated by the zeroed attr
            if (spec.btf() != null) {
                attr.setInt(48, spec.btf().fd());
                attr.setInt(52, spec.btfKeyTypeId());
                attr.setInt(56, spec.btfValueTypeId());
            }
            fd = Bpf.call(BpfCommand.MAP_CREATE, attr, CREATE_ATTR, object);
        }
        return fromFd(fd, object);
    }

    /**
     * Opens the map pinned at {@code path} ({@code BPF_OBJ_GET}), reading its type, sizes and name from the kernel.
     * Fails with EINVAL when the object there is not a HASH or ARRAY map.
     */
    public static BpfMap open(Path path) throws BpfException {
        int fd = Bpf.objGet(path);
        String kind = fdKind(fd);
        if (!kind.equals("anon_inode:bpf-map")) {
            Bpf.closeFd(fd);
            throw new BpfException(BpfCommand.OBJ_GET, BpfException.EINVAL, "path " + path, "it holds " + kind
                    + ", not a map");
        }
        return fromFd(fd, "pinned map at " + path);
    }

    /** Pins the map at {@code path} on a bpf filesystem ({@code BPF_OBJ_PIN}); it then outlives this process. */
    public void pin(Path path) throws BpfException {
        use.lock();
        try {
            Bpf.objPin(openFd(), path, label);
        } finally {
            use.unlock();
        }
    }

    /** Sets {@code key} to {@code value}, creating it or not as {@code flag} says ({@code BPF_MAP_UPDATE_ELEM}). */
    public void update(byte[] key, byte[] value, UpdateFlag flag) throws BpfException {
        checkLength("key", key, keySize);
        checkLength("value", value, valueSize);
        element(key, m -> {
            m.write(valueOffset, value, 0, valueSize);
            setElemAttr(m, openFd(), true, flag.bits());
            Bpf.call(BpfCommand.MAP_UPDATE_ELEM, m, ELEM_ATTR, label);
            return null;
        });
    }

    /** Sets {@code key} to {@code value}, creating or overwriting it ({@link UpdateFlag#ANY}). */
    public void update(byte[] key, byte[] value) throws BpfException {
        update(key, value, UpdateFlag.ANY);
    }

    /** {@link #update(byte[], byte[], UpdateFlag)} with the key encoded in the map's key size. */
    public void update(long key, byte[] value, UpdateFlag flag) throws BpfException {
        update(key(key), value, flag);
    }

    /** {@link #update(byte[], byte[])} with the key encoded in the map's key size. */
    public void update(long key, byte[] value) throws BpfException {
        update(key(key), value, UpdateFlag.ANY);
    }

    /** The value of {@code key}, or empty when there is no such key ({@code BPF_MAP_LOOKUP_ELEM}). */
    public Optional<byte[]> lookup(byte[] key) throws BpfException {
        checkLength("key", key, keySize);
        return element(key, m -> {
            setElemAttr(m, openFd(), true, 0);
            long r = Bpf.raw(BpfCommand.MAP_LOOKUP_ELEM, m, ELEM_ATTR, label);
            if (r == -BpfException.ENOENT) {
                return Optional.empty();
            }
            check(BpfCommand.MAP_LOOKUP_ELEM, r);
            return Optional.of(m.getByteArray(valueOffset, valueSize));
        });
    }

    /** {@link #lookup(byte[])} with the key encoded in the map's key size. */
    public Optional<byte[]> lookup(long key) throws BpfException {
        return lookup(key(key));
    }

    /**
     * Deletes {@code key} ({@code BPF_MAP_DELETE_ELEM}); false when there was no such key. On an ARRAY this fails
     * with EINVAL: its elements always exist.
     */
    public boolean delete(byte[] key) throws BpfException {
        checkLength("key", key, keySize);
        return element(key, m -> {
            setElemAttr(m, openFd(), false, 0);
            long r = Bpf.raw(BpfCommand.MAP_DELETE_ELEM, m, ELEM_ATTR, label);
            if (r == -BpfException.ENOENT) {
                return false;
            }
            check(BpfCommand.MAP_DELETE_ELEM, r);
            return true;
        });
    }

    /** {@link #delete(byte[])} with the key encoded in the map's key size. */
    public boolean delete(long key) throws BpfException {
        return delete(key(key));
    }

    /**
     * All keys, walked with {@code BPF_MAP_GET_NEXT_KEY} from the start. An ARRAY has all of
     * {@code 0..maxEntries-1}. Keys added or deleted while the walk runs may be missed or seen twice (the kernel
     * starts a HASH walk over when the current key is gone).
     */
    public List<byte[]> keys() throws BpfException {
        List<byte[]> keys = new ArrayList<>();
        use.lock();
        try (Memory m = new Memory(bufferSize)) {
            setElemAttr(m, openFd(), true, 0);
            m.setLong(8, 0); // a NULL key asks for the first key; next_key goes where values go
            while (true) {
                long r = Bpf.raw(BpfCommand.MAP_GET_NEXT_KEY, m, ELEM_ATTR, label);
                if (r == -BpfException.ENOENT) {
                    return keys;
                }
                check(BpfCommand.MAP_GET_NEXT_KEY, r);
                byte[] next = m.getByteArray(valueOffset, keySize);
                keys.add(next);
                m.write(ELEM_ATTR, next, 0, keySize);
                m.setLong(8, Pointer.nativeValue(m) + ELEM_ATTR);
            }
        } finally {
            use.unlock();
        }
    }

    /** {@link #keys()} decoded as unsigned little-endian numbers (key size 4 or 8). */
    public List<Long> longKeys() throws BpfException {
        checkLongKeys();
        List<Long> out = new ArrayList<>();
        for (byte[] k : keys()) {
            out.add(keySize == 8 ? u64(k, 0) : Integer.toUnsignedLong(u32(k, 0)));
        }
        return out;
    }

    /** The map's type. */
    public MapType type() {
        return type;
    }

    /** The map's name ({@code bpftool map} shows it; may be empty). */
    public String name() {
        return name;
    }

    /** Key size in bytes. */
    public int keySize() {
        return keySize;
    }

    /** Value size in bytes. */
    public int valueSize() {
        return valueSize;
    }

    /** How many keys it holds at most (an ARRAY's length). */
    public int maxEntries() {
        return maxEntries;
    }

    /** The kernel's id for the map ({@code bpftool map show id N}). */
    public int id() {
        return id;
    }

    /** The id of its BTF object, 0 when it has none. */
    public int btfId() {
        return btfId;
    }

    /** Its file descriptor, for a program loader that refers to it; valid until {@link #close()}. */
    public int fd() {
        use.lock();
        try {
            return openFd();
        } finally {
            use.unlock();
        }
    }

    /** Closes the file descriptor; the map goes away with its last reference (fd, pin or program). Idempotent. */
    @Override
    public void close() {
        closing.lock();
        try {
            Bpf.closeFd(fd);
            fd = -1;
            for (Memory m = spare.poll(); m != null; m = spare.poll()) {
                m.close();
            }
        } finally {
            closing.unlock();
        }
    }

    @Override
    public String toString() {
        return label;
    }

    /** {@code v} as 8 little-endian bytes (a {@code __u64} key or value on x86_64). */
    public static byte[] u64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** {@code v} as 4 little-endian bytes (a {@code __u32}). */
    public static byte[] u32(int v) {
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** The little-endian {@code __u64} at {@code offset} of {@code b}. */
    public static long u64(byte[] b, int offset) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[offset + i] & 0xff);
        }
        return v;
    }

    /** The little-endian {@code __u32} at {@code offset} of {@code b}. */
    public static int u32(byte[] b, int offset) {
        return b[offset] & 0xff | (b[offset + 1] & 0xff) << 8 | (b[offset + 2] & 0xff) << 16 | b[offset + 3] << 24;
    }

    private static BpfMap fromFd(int fd, String object) throws BpfException {
        try (Memory info = Bpf.attr(INFO_LENGTH); Memory attr = Bpf.attr(16)) {
            attr.setInt(0, fd);
            attr.setInt(4, INFO_LENGTH);
            attr.setLong(8, Pointer.nativeValue(info));
            Bpf.call(BpfCommand.OBJ_GET_INFO_BY_FD, attr, 16, object);
            int typeNumber = info.getInt(0);
            Optional<MapType> type = MapType.of(typeNumber);
            if (type.isEmpty()) {
                throw new BpfException(BpfCommand.OBJ_GET_INFO_BY_FD, BpfException.EINVAL, object, "map type "
                        + typeNumber + " is not one BpfMap handles (HASH 1, ARRAY 2)");
            }
            return new BpfMap(fd, type.get(), info.getString(24, StandardCharsets.US_ASCII.name()), info.getInt(8),
                    info.getInt(12), info.getInt(16), info.getInt(4), info.getInt(64));
        } catch (BpfException | RuntimeException e) {
            Bpf.closeFd(fd);
            throw e;
        }
    }

    /** What the fd is, as /proc shows it: {@code anon_inode:bpf-map}, {@code anon_inode:bpf-prog}... */
    private static String fdKind(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            return "an object of unknown kind (" + e.getMessage() + ")";
        }
    }

    /** An element call's body: its buffer holds the key at {@link #ELEM_ATTR}; the body sets the rest and calls. */
    private interface ElementCall<T> {
        T call(Memory buffer) throws BpfException;
    }

    /**
     * Runs an element call under the {@code use} lock with a call buffer holding {@code key}: a spare buffer, else a
     * new one; kept for the next call afterwards while there is room and the map is open (every field is set anew on
     * use).
     */
    private <T> T element(byte[] key, ElementCall<T> body) throws BpfException {
        use.lock();
        Memory m = null;
        try {
            m = spare.poll();
            if (m == null) {
                m = new Memory(bufferSize);
            }
            m.write(ELEM_ATTR, key, 0, keySize);
            return body.call(m);
        } finally {
            if (m != null && (fd < 0 || !spare.offer(m))) {
                m.close();
            }
            use.unlock();
        }
    }

    private void setElemAttr(Memory m, int f, boolean withValue, long flags) {
        m.setInt(0, f);
        m.setInt(4, 0);
        m.setLong(8, Pointer.nativeValue(m) + ELEM_ATTR);
        m.setLong(16, withValue ? Pointer.nativeValue(m) + valueOffset : 0);
        m.setLong(24, flags);
    }

    private void check(BpfCommand command, long r) throws BpfException {
        if (r < 0) {
            throw new BpfException(command, (int) -r, label, "");
        }
    }

    private int openFd() {
        if (fd < 0) {
            throw new IllegalStateException(label + " is closed");
        }
        return fd;
    }

    private byte[] key(long key) {
        checkLongKeys();
        if (keySize == 4) {
            if (key < 0 || key > 0xffff_ffffL) {
                throw new IllegalArgumentException(label + ": key " + key + " does not fit its 4-byte key");
            }
            return u32((int) key);
        }
        return u64(key);
    }

    private void checkLongKeys() {
        if (keySize != 4 && keySize != 8) {
            throw new IllegalArgumentException(label + " has " + keySize + "-byte keys: long keys need 4 or 8");
        }
    }

    private void checkLength(String what, byte[] b, int size) {
        if (b.length != size) {
            throw new IllegalArgumentException(label + ": " + what + " is " + b.length + " bytes, the map's " + what
                    + " size is " + size);
        }
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }
}
