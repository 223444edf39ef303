package dev.vireo.cli.command;

import dev.vireo.bench.cpugroups.CpuGroupsParams;
import dev.vireo.bench.cpugroups.CpuGroupsRun;
import dev.vireo.bench.cpugroups.CpuGroupsSetting;
import dev.vireo.cli.CliException;
import dev.vireo.cli.Home;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vireo bench cpu-groups}: a latency-sensitive function beside CPU hogs on a worker on containerd, without
 * CPU groups, with groups of one CPU (hogs and the sensitive function kept apart by {@code function.groups}) and
 * with one group of two, then the first two again with the sensitive container's {@code cpu.shares} raised; the
 * floor is the sensitive function alone. Root (containerd, cgroups, BPF). Settings: {@link CpuGroupsSetting#standard}.
 */
@Command(name = "cpu-groups", description = {"A latency-sensitive function beside CPU hogs on containerd: no groups,"
        + " groups of 1 CPU (0;1, hogs and the function apart), one group of 2 (0-1), and the first two again with the"
        + " function's cpu.shares raised (+w); the floor is the function alone.",
    "Per setting: groups, group_size, sensitive_p50_us, sensitive_p99_us, rq_latency_p99_us, map_update_us. Root."})
final class CpuGroupsBenchCommand implements Callable<Integer> {
    @Option(names = "--duration-s", defaultValue = "20", description = "seconds measured per setting (default: ${DEFAULT-VALUE})")
    double durationS;

    @Option(names = "--warmup-s", defaultValue = "3", description = "seconds of load before that, discarded (default: ${DEFAULT-VALUE})")
    double warmupS;

    @Option(names = "--interval-ms", defaultValue = "25", description = "one sensitive invocation every N ms (default: ${DEFAULT-VALUE})")
    int intervalMs;

    @Option(names = "--n", defaultValue = "60000", description = "the sensitive function's work: cpu-bound iterations (~3 ms; default: ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--hogs", defaultValue = "3", description = "concurrent CPU hogs (default: ${DEFAULT-VALUE})")
    int hogs;

    @Option(names = "--hog-ms", defaultValue = "1000", description = "each hog invocation spins N ms, back to back (default: ${DEFAULT-VALUE})")
    int hogMs;

    @Option(names = "--bind-rounds", defaultValue = "2000", description = "bind + unbind rounds timed for map_update_us (default: ${DEFAULT-VALUE})")
    int bindRounds;

    @Option(names = "--rounds", defaultValue = "2", description = "times every setting runs, interleaved; pooled (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--settings", split = ",", paramLabel = "NAME", description = "run only these settings (default: all;"
            + " names as in the table)")
    List<String> only;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the results to FILE (and a plot FILE.png/.svg)")
    Path json;

    @Override
    public Integer call() throws Exception {
        CpuGroupsParams params;
        List<CpuGroupsSetting> settings;
        try {
            params = new CpuGroupsParams(durationS, warmupS, intervalMs, n, hogMs, hogs, bindRounds, rounds);
            settings = CpuGroupsSetting.standard(hogs);
            if (only != null) {
                List<String> known = settings.stream().map(CpuGroupsSetting::name).toList();
                for (String name : only) {
                    if (!known.contains(name)) {
                        throw new IllegalArgumentException("--settings: unknown setting '" + name + "'; settings: "
                                + String.join(", ", known));
                    }
                }
                settings = settings.stream().filter(s -> only.contains(s.name())).toList();
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.USAGE, e.getMessage());
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new CliException(CliException.FAILED, "bench cpu-groups needs root (containerd, cgroups, BPF)");
        }
        Home home = Home.detect();
        java.util.regex.Matcher shipped = java.util.regex.Pattern.compile("(?m)^resources\\s*=(.*)$")
                .matcher(java.nio.file.Files.readString(home.configs().resolve("vireo.kernel.cfg")));
        String resources = (shipped.find() ? shipped.group(1).trim() + ", " : "") + "cpu-groups";
        CpuGroupsRun.run(home.dir(), home.runDir("bench-cpu-groups"), settings, params, s -> {
            BenchInstance b = new BenchInstance(home);
            b.instance.property("vireo.backends", "containerd");
            if (s.grouped()) {
                b.configs.set("vireo.kernel", "resources", resources)
                        .set("vireo.resource.cpugroups", "groups", s.groups())
                        .set("vireo.resource.cpugroups", "group.concurrency", Integer.toString(s.groupConcurrency()))
                        .set("vireo.resource.cpugroups", "function.groups", s.functionGroups())
                        .set("vireo.resource.cpugroups", "mode", "cpuset")
                        .set("vireo.resource.cpugroups", "idle", "keep");
                if (!s.weight().isEmpty()) {
                    b.configs.set("vireo.resource.cpugroups", "weight", s.weight());
                }
            }
            b.start();
            return new CpuGroupsRun.Started() {
                @Override
                public String grpc() {
                    return b.grpc();
                }

                @Override
                public void close() throws Exception {
                    b.close();
                }
            };
        }, json);
        return 0;
    }
}
