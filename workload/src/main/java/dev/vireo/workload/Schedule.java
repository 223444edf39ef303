package dev.vireo.workload;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A trace as invocation times: a function's own times where the trace has them (Ilúvatar's format); else the n calls
 * of a minute spread evenly over it and a single call at a random millisecond of its minute (seeded: the same trace
 * and seed give the same schedule).
 */
public final class Schedule {
    /** One invocation: when (ms from the trace's start) and which function. */
    public record Call(long atMs, FunctionTrace function) {
    }

    private Schedule() {
    }

    public static List<Call> of(List<FunctionTrace> functions, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Call> calls = new ArrayList<>();
        for (FunctionTrace f : functions) {
            long[] exact = f.invokeAtMs();
            if (exact.length > 0) {
                for (long at : exact) {
                    calls.add(new Call(at, f));
                }
                continue;
            }
            int[] counts = f.perMinute();
            for (int m = 0; m < counts.length; m++) {
                int n = counts[m];
                if (n == 1) {
                    calls.add(new Call(m * 60_000L + random.nextInt(60_000), f));
                } else {
                    for (int i = 0; i < n; i++) {
                        calls.add(new Call(m * 60_000L + i * 60_000L / n, f));
                    }
                }
            }
        }
        calls.sort(Comparator.comparingLong(Call::atMs));
        return calls;
    }
}
