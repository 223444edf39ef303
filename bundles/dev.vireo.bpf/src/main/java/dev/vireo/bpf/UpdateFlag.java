package dev.vireo.bpf;

/** How {@link BpfMap#update} treats an existing key: the {@code flags} of {@code BPF_MAP_UPDATE_ELEM}. */
public enum UpdateFlag {
    /** Create the key or overwrite it ({@code BPF_ANY}). */
    ANY(0),
    /** Create the key only: fails with EEXIST when it is there ({@code BPF_NOEXIST}). */
    NOEXIST(1),
    /** Overwrite the key only: fails with ENOENT when it is not there ({@code BPF_EXIST}). */
    EXIST(2);

    private final int bits;

    UpdateFlag(int bits) {
        this.bits = bits;
    }

    /** The flag's value in {@code bpf_attr.flags}. */
    public int bits() {
        return bits;
    }
}
