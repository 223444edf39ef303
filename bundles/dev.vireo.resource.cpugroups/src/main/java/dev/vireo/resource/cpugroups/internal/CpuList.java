package dev.vireo.resource.cpugroups.internal;

import java.util.BitSet;
import java.util.stream.IntStream;

/**
 * A set of CPUs in the kernel's list syntax ({@code 0-3,6}: numbers and ranges separated by commas), as
 * {@code cpuset.cpus}, {@code /sys/devices/system/cpu/online} and {@code Cpus_allowed_list} write it. Immutable.
 */
record CpuList(BitSet cpus) {
    /** CPU numbers above this are refused (the kernel's default NR_CPUS is far below). */
    static final int MAX_CPU = 4095;

    CpuList {
        cpus = (BitSet) cpus.clone();
    }

    /**
     * Parses a CPU list.
     *
     * @throws IllegalArgumentException saying what is wrong with it (empty, not a number, a range that runs backwards,
     *                                  a CPU above {@link #MAX_CPU})
     */
    static CpuList parse(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("an empty CPU list");
        }
        BitSet set = new BitSet();
        for (String part : t.split(",", -1)) {
            String p = part.trim();
            int dash = p.indexOf('-');
            int from = number(dash < 0 ? p : p.substring(0, dash), t);
            int to = dash < 0 ? from : number(p.substring(dash + 1), t);
            if (to < from) {
                throw new IllegalArgumentException("'" + p + "' in '" + t + "' runs backwards");
            }
            set.set(from, to + 1);
        }
        return new CpuList(set);
    }

    private static int number(String s, String whole) {
        String n = s.trim();
        if (n.isEmpty() || n.length() > 4 || !n.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("'" + whole + "' is not a CPU list like 0-3,6 (at '" + s.trim() + "')");
        }
        int cpu = Integer.parseInt(n);
        if (cpu > MAX_CPU) {
            throw new IllegalArgumentException("CPU " + cpu + " in '" + whole + "' is above " + MAX_CPU);
        }
        return cpu;
    }

    int size() {
        return cpus.cardinality();
    }

    IntStream stream() {
        return cpus.stream();
    }

    boolean contains(int cpu) {
        return cpus.get(cpu);
    }

    /** Every CPU of {@code other} is in this list. */
    boolean containsAll(CpuList other) {
        BitSet rest = (BitSet) other.cpus.clone();
        rest.andNot(cpus);
        return rest.isEmpty();
    }

    /** The CPUs in both lists. */
    CpuList intersection(CpuList other) {
        BitSet both = (BitSet) cpus.clone();
        both.and(other.cpus);
        return new CpuList(both);
    }

    /** The canonical kernel form: ascending, runs of two or more CPUs as ranges ({@code 0-2,5}). */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (int from = cpus.nextSetBit(0); from >= 0; ) {
            int to = cpus.nextClearBit(from) - 1;
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(from);
            if (to > from) {
                out.append('-').append(to);
            }
            from = cpus.nextSetBit(to + 1);
        }
        return out.toString();
    }
}
