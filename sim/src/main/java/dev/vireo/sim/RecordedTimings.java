package dev.vireo.sim;

import dev.vireo.workload.FunctionTrace;
import dev.vireo.loadgen.Results;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Timings recorded by a live run, in place of the trace's metadata: for each trace function the run served, the
 * simulated cold start is the mean {@code cold_start_us} of its cold invocations, and execution times are drawn from
 * the percentiles of its successful invocations' {@code execution_us} (the same draw as from a trace's percentiles).
 * Functions the run did not serve keep the trace's timings.
 */
final class RecordedTimings {
    private RecordedTimings() {
    }

    record Applied(List<FunctionTrace> functions, int replaced) {
    }

    static Applied apply(List<FunctionTrace> functions, Path run) throws SQLException {
        Path db = run.resolve(Results.DB);
        if (!Files.isRegularFile(db)) {
            throw new IllegalArgumentException("--timings " + run + " is not a results folder (no " + Results.DB
                    + "); give the folder of a live ./vireo loadgen trace run");
        }
        Map<String, FunctionTrace.Durations> measured = new HashMap<>();
        String q = "quantile_cont(execution_us, %s) FILTER (WHERE success) / 1000.0";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("ATTACH '" + Results.sql(db) + "' AS r (READ_ONLY)");
            try (ResultSet r = s.executeQuery("SELECT trace_function, count(*) FILTER (WHERE success) AS n,"
                    + " avg(cold_start_us) FILTER (WHERE state = 'cold') / 1000.0 AS cold,"
                    + " avg(execution_us) FILTER (WHERE success) / 1000.0 AS mean, "
                    + String.format(java.util.Locale.ROOT, q, "0") + " AS p0, " + String.format(java.util.Locale.ROOT, q, "0.01") + " AS p1, "
                    + String.format(java.util.Locale.ROOT, q, "0.25") + " AS p25, " + String.format(java.util.Locale.ROOT, q, "0.5") + " AS p50, "
                    + String.format(java.util.Locale.ROOT, q, "0.75") + " AS p75, " + String.format(java.util.Locale.ROOT, q, "0.99") + " AS p99, "
                    + String.format(java.util.Locale.ROOT, q, "1") + " AS p100"
                    + " FROM r.records WHERE trace_function <> '' GROUP BY trace_function HAVING n > 0")) {
                while (r.next()) {
                    double cold = r.getDouble("cold");
                    boolean hasCold = !r.wasNull();
                    measured.put(r.getString("trace_function"), new FunctionTrace.Durations(r.getDouble("mean"),
                            r.getLong("n"), r.getDouble("p0"), hasCold ? cold : -1, r.getDouble("p0"),
                            r.getDouble("p1"), r.getDouble("p25"), r.getDouble("p50"), r.getDouble("p75"),
                            r.getDouble("p99"), r.getDouble("p100")));
                }
            }
        }
        List<FunctionTrace> out = new ArrayList<>();
        int replaced = 0;
        for (FunctionTrace f : functions) {
            FunctionTrace.Durations m = measured.get(f.function());
            if (m == null) {
                out.add(f);
                continue;
            }
            replaced++;
            // the cold start goes where the trace mapping reads it (Maximum); without a cold record, the trace's
            double cold = m.maximum() >= 0 ? m.maximum() : f.durations().maximum();
            out.add(new FunctionTrace(f.owner(), f.app(), f.function(), f.trigger(), f.perMinute(),
                    new FunctionTrace.Durations(m.average(), m.count(), m.minimum(), cold, m.p0(), m.p1(), m.p25(),
                            m.p50(), m.p75(), m.p99(), m.p100()), f.memoryMb(), f.invokeAtMs()));
        }
        return new Applied(out, replaced);
    }
}
