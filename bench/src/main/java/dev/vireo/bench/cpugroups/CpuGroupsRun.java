package dev.vireo.bench.cpugroups;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./vireo bench cpu-groups} from start to end, given a way to start a worker configured for a setting: the
 * run-queue probe (a private bpffs under {@code work}), every setting in order, as many rounds as asked (the settings
 * interleaved; each setting's rounds pooled), the sched-ext mapping cost, then the table, the JSON and the plot.
 */
public final class CpuGroupsRun {
    /** Starts a worker on containerd configured for a setting; closing it stops the worker. */
    public interface Workers {
        /** The started worker's gRPC target. */
        Started start(CpuGroupsSetting setting) throws Exception;
    }

    /** A started worker. */
    public interface Started extends AutoCloseable {
        String grpc();
    }

    private CpuGroupsRun() {
    }

    /** Runs {@code settings}; writes {@code json} (and a plot beside it) when not null. */
    public static JsonObject run(Path home, Path work, List<CpuGroupsSetting> settings, CpuGroupsParams params,
            Workers workers, Path json) throws Exception {
        List<CpuGroupsResult> rounds = new ArrayList<>();
        List<CpuGroupsResult> results = new ArrayList<>();
        CpuGroupsReport.SchedExtCost schedExt;
        Path bpffs = work.resolve("bpffs");
        RunQueueProbe probe = null;
        try {
            probe = RunQueueProbe.start(home, bpffs);
        } catch (IOException e) {
            System.err.println("cpu-groups bench: no run-queue latency (" + e.getMessage() + ")");
        }
        try {
            for (int round = 1; round <= params.rounds(); round++) {
                for (CpuGroupsSetting s : settings) {
                    System.err.println("cpu-groups bench: round " + round + ", setting " + s.name() + " (groups "
                            + (s.grouped() ? s.groups() : "none") + ", " + s.hogs() + " hogs)");
                    try (Started w = workers.start(s)) {
                        CpuGroupsResult r = CpuGroupsBench.measure(w.grpc(), s, params, home.resolve("examples"), probe);
                        rounds.add(r);
                        System.err.printf(Locale.ROOT, "  p50 %d us, p99 %d us, exec p99 %d us, rq p99 %.0f us, map %.1f"
                                + " us, hogs on %s, load %.1f%n", r.e2ePercentileUs(0.5), r.e2ePercentileUs(0.99),
                                CpuGroupsResult.percentile(r.execUs(), 0.99), r.rqPercentileUs(0.99), r.mapUpdateUs(),
                                r.hogCpus(), r.loadAvg());
                    }
                }
            }
            for (CpuGroupsSetting s : settings) {
                results.add(CpuGroupsResult.pool(rounds.stream().filter(r -> r.setting().equals(s)).toList()));
            }
            schedExt = probe == null ? new CpuGroupsReport.SchedExtCost(Double.NaN, "not measured: no bpf filesystem")
                    : SchedExtMapCost.measure(home, bpffs, 4242, params.bindRounds());
        } finally {
            if (probe != null) {
                probe.close();
            }
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        System.out.print(CpuGroupsReport.table(results, schedExt));
        JsonObject out = CpuGroupsReport.json(results, rounds, params, cpus, schedExt);
        if (json != null) {
            Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(out) + "\n");
            String base = json.getFileName().toString().replaceFirst("\\.json$", "");
            Path dir = json.toAbsolutePath().getParent();
            System.err.println("cpu-groups bench: wrote " + json + " and " + CpuGroupsFigure.write(dir, base, results));
        } else {
            System.out.println(out);
        }
        return out;
    }
}
