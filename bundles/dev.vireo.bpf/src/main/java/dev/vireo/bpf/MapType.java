package dev.vireo.bpf;

import java.util.Optional;

/**
 * The map types {@link BpfMap} handles, with their numbers from {@code enum bpf_map_type}. Both hold one value per
 * key for all CPUs, so a value read from user space is exactly {@code value_size} bytes (per-CPU types are not here).
 */
public enum MapType {
    /** Keys of any size; an update of a new key fails with E2BIG once {@code max_entries} keys are in. */
    HASH(1),
    /** Keys are u32 indexes {@code 0..max_entries-1}, every element exists (zeroed at creation), none is deleted. */
    ARRAY(2);

    private final int number;

    MapType(int number) {
        this.number = number;
    }

    /** The type's number, {@code map_type} in {@code bpf_attr}. */
    public int number() {
        return number;
    }

    /** The type with this number, or empty for a type this library does not handle. */
    public static Optional<MapType> of(int number) {
        for (MapType t : values()) {
            if (t.number == number) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
