package dev.vireo.bpf;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small BTF blob built in Java and loaded into the kernel ({@code BPF_BTF_LOAD}), so maps created with it
 * ({@link MapSpec#withBtf}) pretty-print their keys and values with field names in {@code bpftool map dump}.
 * Two kinds only: INT and STRUCT (of INTs or STRUCTs), enough for counters and records of them.
 *
 * <p>The blob ({@link Builder#encode()}), all little-endian, as {@code linux/btf.h} defines it:
 * <pre>
 * header, 24 bytes:  u16 magic 0xeB9F | u8 version 1 | u8 flags 0 | u32 hdr_len 24
 *                    u32 type_off 0 | u32 type_len | u32 str_off = type_len | u32 str_len
 * type section:      the types in the order added; the first has id 1 (id 0 is void)
 *   INT    (16 B):   u32 name_off | u32 info = 1 &lt;&lt; 24 | u32 size (bytes)
 *                    | u32 encoding (SIGNED = 1 &lt;&lt; 24) | bit offset 0 &lt;&lt; 16 | bits = 8 * size
 *   STRUCT (12 B + 12 B per member):
 *                    u32 name_off | u32 info = 4 &lt;&lt; 24 | member count | u32 size (bytes)
 *                    then per member: u32 name_off | u32 type id | u32 offset in bits
 * string section:    "\0", then each distinct name NUL-terminated; a name_off is an offset into it
 * </pre>
 * Struct members are laid out as a C compiler lays them out on x86_64: each at the next offset aligned to its type's
 * alignment (an INT's size; a STRUCT's largest member alignment), the struct's size rounded up to its alignment.
 *
 * <p>Threading: a {@link Builder} is for one thread; a loaded {@code Btf} is immutable but for {@link #close()},
 * and safe to share.
 */
public final class Btf implements Closeable {
    static final int MAGIC = 0xeB9F;
    static final int HEADER_LENGTH = 24;
    static final int KIND_INT = 1;
    static final int KIND_STRUCT = 4;
    static final int INT_SIGNED = 1 << 24;
    private static final int LOG_SIZE = 64 * 1024;

    /** A member of a struct: its field name and the type id of its type. */
    public record Member(String name, int typeId) {
    }

    private final byte[] blob;
    private final List<String> names;
    private final int[] sizes;
    private int fd;

    private Btf(byte[] blob, List<String> names, int[] sizes, int fd) {
        this.blob = blob;
        this.names = names;
        this.sizes = sizes;
        this.fd = fd;
    }

    /** A builder for a new blob. */
    public static Builder builder() {
        return new Builder();
    }

    /** The BTF's file descriptor, as {@code btf_fd} of {@code BPF_MAP_CREATE} wants it. */
    public synchronized int fd() {
        if (fd < 0) {
            throw new IllegalStateException("BTF (" + typeCount() + " types) is closed");
        }
        return fd;
    }

    /** How many types it has; their ids are {@code 1..typeCount()}. */
    public int typeCount() {
        return sizes.length - 1;
    }

    /** The size in bytes of type {@code typeId}. */
    public int sizeOf(int typeId) {
        return sizes[checkId(typeId)];
    }

    /** The name of type {@code typeId}. */
    public String nameOf(int typeId) {
        return names.get(checkId(typeId));
    }

    /** A copy of the blob that was loaded. */
    public byte[] blob() {
        return blob.clone();
    }

    /** Closes the file descriptor; maps created with it keep their own reference. Idempotent. */
    @Override
    public synchronized void close() {
        Bpf.closeFd(fd);
        fd = -1;
    }

    private int checkId(int typeId) {
        if (typeId < 1 || typeId >= sizes.length) {
            throw new IllegalArgumentException("type id " + typeId + " is not in this BTF (ids 1.." + typeCount() + ")");
        }
        return typeId;
    }

    /** Adds types one by one, each add returning the new type's id. */
    public static final class Builder {
        private final ByteArrayOutputStream types = new ByteArrayOutputStream();
        private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
        private final Map<String, Integer> stringOffsets = new HashMap<>();
        private final List<String> names = new ArrayList<>(List.of("void"));
        private final List<Integer> sizes = new ArrayList<>(List.of(0));
        private final List<Integer> aligns = new ArrayList<>(List.of(1));
        private final List<Integer> ints = new ArrayList<>(List.of(0)); // encoding of an INT, -1 for other kinds

        private Builder() {
            strings.write(0); // offset 0 is the empty name
            stringOffsets.put("", 0);
        }

        /**
         * An integer type, e.g. {@code addInt("__u64", 8, false)}. Adding the same name again with the same size and
         * sign returns the first id.
         *
         * @param size 1, 2, 4, 8 or 16 bytes
         */
        public int addInt(String name, int size, boolean signed) {
            checkIdentifier("INT name", name);
            if (size != 1 && size != 2 && size != 4 && size != 8 && size != 16) {
                throw new IllegalArgumentException("INT '" + name + "': size " + size + " is not 1, 2, 4, 8 or 16");
            }
            int encoding = (signed ? INT_SIGNED : 0) | size * 8;
            int existing = names.indexOf(name);
            if (existing > 0) {
                if (ints.get(existing) == encoding && sizes.get(existing) == size) {
                    return existing;
                }
                throw new IllegalArgumentException("type '" + name + "' exists (id " + existing + ") with another"
                        + " kind, size or sign");
            }
            writeType(name, KIND_INT << 24, size);
            writeInt(types, encoding);
            return added(name, size, size, encoding);
        }

        /** {@code __u32}: an unsigned 4-byte INT. */
        public int u32() {
            return addInt("__u32", 4, false);
        }

        /** {@code __u64}: an unsigned 8-byte INT. */
        public int u64() {
            return addInt("__u64", 8, false);
        }

        /** A struct of the given members, laid out as C lays it out (see the class comment). */
        public int addStruct(String name, Member... members) {
            return addStruct(name, List.of(members));
        }

        /** A struct of the given members, laid out as C lays it out (see the class comment). */
        public int addStruct(String name, List<Member> members) {
            checkIdentifier("STRUCT name", name);
            if (names.contains(name)) {
                throw new IllegalArgumentException("type '" + name + "' exists (id " + names.indexOf(name) + ")");
            }
            if (members.isEmpty() || members.size() > 0xffff) {
                throw new IllegalArgumentException("struct '" + name + "' needs 1..65535 members, has "
                        + members.size());
            }
            Set<String> seen = new HashSet<>();
            int offset = 0;
            int align = 1;
            int[] offsets = new int[members.size()];
            for (int i = 0; i < members.size(); i++) {
                Member m = members.get(i);
                checkIdentifier("member name of struct '" + name + "'", m.name());
                if (!seen.add(m.name())) {
                    throw new IllegalArgumentException("struct '" + name + "': member '" + m.name() + "' twice");
                }
                if (m.typeId() < 1 || m.typeId() >= sizes.size()) {
                    throw new IllegalArgumentException("struct '" + name + "': member '" + m.name() + "' has type id "
                            + m.typeId() + ", not a type added before it (ids 1.." + (sizes.size() - 1) + ")");
                }
                int a = aligns.get(m.typeId());
                offset = roundUp(offset, a);
                offsets[i] = offset;
                offset += sizes.get(m.typeId());
                align = Math.max(align, a);
            }
            int size = roundUp(offset, align);
            writeType(name, KIND_STRUCT << 24 | members.size(), size);
            for (int i = 0; i < members.size(); i++) {
                writeInt(types, string(members.get(i).name()));
                writeInt(types, members.get(i).typeId());
                writeInt(types, offsets[i] * 8);
            }
            return added(name, size, align, -1);
        }

        /** The blob in the layout of the class comment. */
        public byte[] encode() {
            byte[] t = types.toByteArray();
            byte[] s = strings.toByteArray();
            ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH + t.length + s.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putShort((short) MAGIC).put((byte) 1).put((byte) 0).putInt(HEADER_LENGTH);
            b.putInt(0).putInt(t.length).putInt(t.length).putInt(s.length);
            return b.put(t).put(s).array();
        }

        /**
         * Loads the blob ({@code BPF_BTF_LOAD}). When the kernel refuses it, loads it again with the verifier log on
         * and puts the log in the exception.
         */
        public Btf load() throws BpfException {
            byte[] blob = encode();
            String object = "BTF (" + (sizes.size() - 1) + " types, " + blob.length + " bytes)";
            try (Memory data = new Memory(blob.length); Memory attr = Bpf.attr(32)) {
                data.write(0, blob, 0, blob.length);
                attr.setLong(0, Pointer.nativeValue(data));
                attr.setInt(16, blob.length);
                long fd = Bpf.raw(BpfCommand.BTF_LOAD, attr, 32, object);
                if (fd < 0) {
                    throw new BpfException(BpfCommand.BTF_LOAD, (int) -fd, object, "kernel log: " + log(data, blob));
                }
                int[] s = sizes.stream().mapToInt(Integer::intValue).toArray();
                return new Btf(blob, List.copyOf(names), s, (int) fd);
            }
        }

        private static String log(Memory data, byte[] blob) {
            try (Memory log = Bpf.attr(LOG_SIZE); Memory attr = Bpf.attr(32)) {
                attr.setLong(0, Pointer.nativeValue(data));
                attr.setLong(8, Pointer.nativeValue(log));
                attr.setInt(16, blob.length);
                attr.setInt(20, LOG_SIZE);
                attr.setInt(24, 1);
                long fd = Bpf.raw(BpfCommand.BTF_LOAD, attr, 32, "BTF");
                if (fd >= 0) {
                    Bpf.closeFd((int) fd);
                    return "(none: it loaded on the second try)";
                }
                return log.getString(0, StandardCharsets.UTF_8.name()).strip().replace('\n', ' ');
            } catch (BpfException e) {
                return "(unavailable: " + e.getMessage() + ")";
            }
        }

        private void writeType(String name, int info, int size) {
            writeInt(types, string(name));
            writeInt(types, info);
            writeInt(types, size);
        }

        private int added(String name, int size, int align, int encoding) {
            names.add(name);
            sizes.add(size);
            aligns.add(align);
            ints.add(encoding);
            return names.size() - 1;
        }

        private int string(String s) {
            return stringOffsets.computeIfAbsent(s, k -> {
                int off = strings.size();
                strings.writeBytes(k.getBytes(StandardCharsets.US_ASCII));
                strings.write(0);
                return off;
            });
        }

        private static void checkIdentifier(String what, String s) {
            boolean ok = !s.isEmpty() && !Character.isDigit(s.charAt(0));
            for (int i = 0; ok && i < s.length(); i++) {
                char c = s.charAt(i);
                ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
            }
            if (!ok) {
                throw new IllegalArgumentException(what + " '" + s + "' is not a C identifier ([A-Za-z_][A-Za-z0-9_]*)");
            }
        }

        private static int roundUp(int n, int to) {
            return (n + to - 1) / to * to;
        }

        private static void writeInt(ByteArrayOutputStream out, int v) {
            out.write(v);
            out.write(v >>> 8);
            out.write(v >>> 16);
            out.write(v >>> 24);
        }
    }

    @Override
    public String toString() {
        return "BTF " + names.subList(1, names.size()) + " sizes " + Arrays.toString(Arrays.copyOfRange(sizes, 1,
                sizes.length));
    }
}
