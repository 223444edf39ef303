package dev.vireo.bpf;

/**
 * The {@code bpf(2)} commands this library uses, with their numbers from {@code enum bpf_cmd} in
 * {@code linux/bpf.h} (stable kernel ABI).
 */
public enum BpfCommand {
    MAP_CREATE(0),
    MAP_LOOKUP_ELEM(1),
    MAP_UPDATE_ELEM(2),
    MAP_DELETE_ELEM(3),
    MAP_GET_NEXT_KEY(4),
    OBJ_PIN(6),
    OBJ_GET(7),
    OBJ_GET_INFO_BY_FD(15),
    BTF_LOAD(18);

    private final int number;

    BpfCommand(int number) {
        this.number = number;
    }

    /** The command's number, the first argument of {@code bpf(2)}. */
    public int number() {
        return number;
    }
}
