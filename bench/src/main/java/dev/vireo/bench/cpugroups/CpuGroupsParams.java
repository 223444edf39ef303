package dev.vireo.bench.cpugroups;

/**
 * What {@code ./vireo bench cpu-groups} runs, the same in every setting.
 *
 * @param durationS   seconds measured per setting
 * @param warmupS     seconds before that in which the sensitive function already runs at its rate and the hogs start
 *                    (discarded)
 * @param intervalMs  one invocation of the sensitive function every this many ms (one client; late calls start at
 *                    once, never two at a time)
 * @param sensitiveN  its work: {@code examples/cpu-bound} with {@code n} iterations (a few ms of CPU)
 * @param hogMs       each hog invocation spins this long ({@code examples/spin}); every hog invokes back to back
 * @param hogs        concurrent hogs
 * @param bindRounds  bind + unbind rounds of the mapping-cost micro-benchmark
 * @param rounds      times every setting runs, the settings interleaved (alone, no-groups, groups-1, groups-2, then
 *                    again), so that what else runs on the shared machine meanwhile falls on all of them alike
 */
public record CpuGroupsParams(double durationS, double warmupS, int intervalMs, int sensitiveN, int hogMs, int hogs,
        int bindRounds, int rounds) {
    public CpuGroupsParams {
        if (durationS <= 0 || warmupS < 0 || intervalMs < 1 || sensitiveN < 1 || hogMs < 10 || hogs < 1
                || bindRounds < 1 || rounds < 1) {
            throw new IllegalArgumentException("--duration-s > 0, --warmup-s >= 0, --interval-ms >= 1, --n >= 1,"
                    + " --hog-ms >= 10, --hogs >= 1, --bind-rounds >= 1, --rounds >= 1");
        }
    }
}
