package dev.vireo.bench.cpugroups;

import dev.vireo.loadgen.ComparisonFigure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The benchmark's plot (PNG + SVG beside the JSON): end-to-end p50/p99 and run-queue p99 of the sensitive function. */
final class CpuGroupsFigure {
    private CpuGroupsFigure() {
    }

    /** The two panels, one category per setting. */
    static List<ComparisonFigure.Panel> panels(List<CpuGroupsResult> results) {
        List<String> settings = results.stream().map(r -> r.setting().name()).toList();
        Map<String, double[]> e2e = new LinkedHashMap<>();
        e2e.put("p50", results.stream().mapToDouble(r -> r.e2ePercentileUs(0.5) / 1000.0).toArray());
        e2e.put("p99", results.stream().mapToDouble(r -> r.e2ePercentileUs(0.99) / 1000.0).toArray());
        Map<String, double[]> rq = new LinkedHashMap<>();
        rq.put("p50", results.stream().mapToDouble(r -> r.rqPercentileUs(0.5) / 1000.0).toArray());
        rq.put("p99", results.stream().mapToDouble(r -> r.rqPercentileUs(0.99) / 1000.0).toArray());
        return List.of(new ComparisonFigure.Panel("Sensitive function, end to end (client)", "ms", settings, e2e),
                new ComparisonFigure.Panel("Its run-queue wait (rqlat, bucket upper bounds)", "ms", settings, rq));
    }

    /** Writes {@code dir/base.png} and {@code .svg}; returns their paths. */
    static List<Path> write(Path dir, String base, List<CpuGroupsResult> results) throws IOException {
        return ComparisonFigure.write(dir, base, panels(results), 2);
    }
}
