package dev.vireo.bpf;

import java.util.Objects;

/**
 * What {@link BpfMap#create} makes: an immutable value, checked when built so that a bad name or size fails here,
 * naming the field, instead of as EINVAL from the kernel.
 *
 * @param type HASH or ARRAY
 * @param name the map's name as {@code bpftool map} shows it: at most 15 characters of {@code [A-Za-z0-9_.]}, may
 *        be empty
 * @param keySize key size in bytes (4 for ARRAY: the key is a u32 index)
 * @param valueSize value size in bytes
 * @param maxEntries how many keys the map holds (ARRAY: its length)
 * @param flags {@code map_flags}, e.g. {@link #NO_PREALLOC}; 0 for none
 * @param btf type information for the key and value, or null for none (then {@code bpftool} dumps raw hex)
 * @param btfKeyTypeId the key's type id in {@code btf} (0 without BTF)
 * @param btfValueTypeId the value's type id in {@code btf} (0 without BTF)
 */
public record MapSpec(MapType type, String name, int keySize, int valueSize, int maxEntries, int flags, Btf btf,
        int btfKeyTypeId, int btfValueTypeId) {
    /** {@code BPF_F_NO_PREALLOC}: a HASH allocates elements on insert instead of all at creation. */
    public static final int NO_PREALLOC = 1;
    /** {@code BPF_OBJ_NAME_LEN} less its terminating NUL. */
    public static final int MAX_NAME_LENGTH = 15;

    public MapSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        checkName(name);
        if (keySize < 1 || valueSize < 1 || maxEntries < 1) {
            throw new IllegalArgumentException("map '" + name + "': keySize (" + keySize + "), valueSize (" + valueSize
                    + ") and maxEntries (" + maxEntries + ") must each be at least 1");
        }
        if (type == MapType.ARRAY && keySize != 4) {
            throw new IllegalArgumentException("map '" + name + "': keySize is " + keySize
                    + " but an ARRAY's key is a u32 index (keySize 4)");
        }
        if (btf == null && (btfKeyTypeId != 0 || btfValueTypeId != 0)) {
            throw new IllegalArgumentException("map '" + name + "': btfKeyTypeId/btfValueTypeId given without btf");
        }
        if (btf != null) {
            checkBtfSize(name, "btfKeyTypeId", btf, btfKeyTypeId, "keySize", keySize);
            checkBtfSize(name, "btfValueTypeId", btf, btfValueTypeId, "valueSize", valueSize);
        }
    }

    /** A HASH map without BTF. */
    public static MapSpec hash(String name, int keySize, int valueSize, int maxEntries) {
        return new MapSpec(MapType.HASH, name, keySize, valueSize, maxEntries, 0, null, 0, 0);
    }

    /** An ARRAY map (u32 index keys) without BTF. */
    public static MapSpec array(String name, int valueSize, int maxEntries) {
        return new MapSpec(MapType.ARRAY, name, 4, valueSize, maxEntries, 0, null, 0, 0);
    }

    /**
     * This spec with BTF for its key and value, so {@code bpftool map dump} prints named fields. The types' sizes
     * must equal keySize and valueSize. The map keeps its own reference to the BTF: {@code btf} may be closed once
     * the map is created.
     */
    public MapSpec withBtf(Btf btf, int keyTypeId, int valueTypeId) {
        return new MapSpec(type, name, keySize, valueSize, maxEntries, flags, Objects.requireNonNull(btf, "btf"),
                keyTypeId, valueTypeId);
    }

    /** This spec with {@code map_flags}. */
    public MapSpec withFlags(int mapFlags) {
        return new MapSpec(type, name, keySize, valueSize, maxEntries, mapFlags, btf, btfKeyTypeId, btfValueTypeId);
    }

    /** Refuses a name the kernel would refuse (EINVAL), saying which rule it breaks. */
    static void checkName(String name) {
        if (name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("name '" + name + "' has " + name.length()
                    + " characters: a BPF map name has at most " + MAX_NAME_LENGTH);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '.';
            if (!ok) {
                throw new IllegalArgumentException("name '" + name + "': character '" + c + "' at " + i
                        + " is not allowed (a BPF map name uses only A-Z a-z 0-9 _ .)");
            }
        }
    }

    private static void checkBtfSize(String map, String field, Btf btf, int typeId, String sizeField, int size) {
        if (typeId < 1 || typeId > btf.typeCount()) {
            throw new IllegalArgumentException("map '" + map + "': " + field + " " + typeId + " is not a type of the"
                    + " BTF (ids 1.." + btf.typeCount() + ")");
        }
        if (btf.sizeOf(typeId) != size) {
            throw new IllegalArgumentException("map '" + map + "': " + field + " " + typeId + " ('"
                    + btf.nameOf(typeId) + "') is " + btf.sizeOf(typeId) + " bytes but " + sizeField + " is " + size);
        }
    }
}
