package dev.vireo.bpf;

/**
 * How a CPU group's queue is ordered by the scheduler ({@code order} of {@code struct vireo_group}, values as in
 * {@code bpf/vireo_maps.h}).
 */
public enum Order {
    /** Enqueue order: a task whose slice ran out goes to the back of the queue. */
    FIFO(0),
    /** The time the task became runnable: the task that has waited longest runs first, also after a preemption. */
    ARRIVAL(1),
    /** Shortest remaining first: the member's expected run time minus the task's run time so far, floor 0. */
    SRT(2);

    private final int code;

    Order(int code) {
        this.code = code;
    }

    /** The value in the map. */
    public int code() {
        return code;
    }

    /** The order whose map value is {@code code}. */
    public static Order of(int code) {
        for (Order o : values()) {
            if (o.code == code) {
                return o;
            }
        }
        throw new IllegalArgumentException("no order has code " + code + " (0 fifo, 1 arrival, 2 srt)");
    }
}
