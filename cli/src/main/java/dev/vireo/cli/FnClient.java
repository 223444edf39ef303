package dev.vireo.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.vireo.cli.ApiClient.Reply;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The worker's (or controller's) HTTP API for {@code vireo fn ...}, {@code vireo worker status} and {@code vireo
 * controller status}. Human-readable by default; with {@code json} it prints the API's JSON as is. Methods return
 * the exit code: 0 ok, 1 the worker refused or the function failed; nothing answering is exit 3.
 */
public final class FnClient {
    private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private final ApiClient api;
    private final boolean json;

    public FnClient(String base, String token, boolean json) {
        this(base, token, json, null);
    }

    /** @param namespace the namespace to act in ({@code X-Vireo-Namespace}), or null for the token's own */
    public FnClient(String base, String token, boolean json, String namespace) {
        this(base, token, json, namespace, null);
    }

    /** @param caFile PEM certificates to trust for an https:// API; null: {@code VIREO_CACERT}, else the JDK's */
    public FnClient(String base, String token, boolean json, String namespace, String caFile) {
        this.api = new ApiClient(base, token, namespace, caFile);
        this.json = json;
    }

    private Reply call(String method, String path, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        return api.call(method, path, body, headers);
    }

    private int failed(Reply r) {
        return ApiClient.failed(r, json);
    }

    /** Registers the function described by {@code spec} (the API's JSON fields). */
    public int register(JsonObject spec) throws IOException, InterruptedException {
        return register(spec, false);
    }

    /**
     * Registers the function described by {@code spec}, or with {@code update} replaces its registration in place
     * ({@code PUT /functions/{id}}).
     */
    public int register(JsonObject spec, boolean update) throws IOException, InterruptedException {
        String id = spec.get("name").getAsString() + "-" + (spec.has("version") ? spec.get("version").getAsString()
                : "1");
        Reply r = update ? call("PUT", "/functions/" + id, spec.toString(), Map.of())
                : call("POST", "/functions", spec.toString(), Map.of());
        if (!r.ok()) {
            return failed(r);
        }
        JsonObject f = r.body().getAsJsonObject();
        System.out.println(json ? f.toString() : (update ? "updated " : "registered ") + f.get("id").getAsString()
                + " (backend "
                + f.get("backend").getAsString() + ", transport " + f.get("transport").getAsString() + ", "
                + f.get("memory_mb").getAsInt() + " MB, " + f.get("cpus").getAsDouble() + " cpus, timeout "
                + f.get("timeout_ms").getAsLong() + " ms)");
        return 0;
    }

    public int list() throws IOException, InterruptedException {
        Reply r = call("GET", "/functions", null, Map.of());
        if (!r.ok()) {
            return failed(r);
        }
        if (json) {
            System.out.println(r.body());
            return 0;
        }
        System.out.printf(Locale.ROOT, "%-28s %-10s %-10s %-7s %8s %6s %10s %5s%n", "ID", "BACKEND", "TRANSPORT",
                "COMPUTE", "MEMORY", "CPUS", "TIMEOUT", "CONC");
        for (JsonElement e : r.body().getAsJsonArray()) {
            JsonObject f = e.getAsJsonObject();
            System.out.printf(Locale.ROOT, "%-28s %-10s %-10s %-7s %5d MB %6.2f %7d ms %5d%n", f.get("id").getAsString(),
                    f.get("backend").getAsString(), f.get("transport").getAsString(), f.get("compute").getAsString(),
                    f.get("memory_mb").getAsInt(), f.get("cpus").getAsDouble(), f.get("timeout_ms").getAsLong(),
                    f.get("concurrency").getAsInt());
        }
        return 0;
    }

    private static Map<String, String> tidHeader(String tid) {
        return tid == null ? Map.of() : Map.of("X-Vireo-Tid", tid);
    }

    public int invoke(String id, String payload, String tid, boolean enhanced) throws IOException, InterruptedException {
        Reply r = call("POST", "/functions/" + id + "/invoke" + (enhanced ? "?enhanced=true" : ""), payload,
                tidHeader(tid));
        if (!r.ok() && !(enhanced && r.body().isJsonObject() && r.body().getAsJsonObject().has("tid"))) {
            return failed(r);
        }
        if (json || !enhanced) {
            System.out.println(json ? r.body().toString() : PRETTY.toJson(r.body()));
            return r.ok() ? 0 : 1;
        }
        printRecord(r.body().getAsJsonObject());
        return r.ok() ? 0 : 1;
    }

    static void printRecord(JsonObject rec) {
        JsonObject t = rec.getAsJsonObject("timings");
        System.out.printf(Locale.ROOT, "tid        %s%nfunction   %s on %s (%s)%nstate      %s%n", rec.get("tid").getAsString(),
                rec.get("function").getAsString(), rec.get("worker").getAsString(), rec.get("backend").getAsString(),
                rec.get("state").isJsonNull() ? "-" : rec.get("state").getAsString());
        System.out.printf(Locale.ROOT, "timings    e2e %d us = execution %d us + overhead %d us "
                + "(queued %d, acquire %d, cold start %d, transport %d)%n", t.get("e2e_us").getAsLong(),
                t.get("execution_us").getAsLong(), t.get("overhead_us").getAsLong(), t.get("queued_us").getAsLong(),
                t.get("acquire_us").getAsLong(), t.get("cold_start_us").getAsLong(), t.get("transport_us").getAsLong());
        if (t.has("cpu_wait_us") && t.get("cpu_wait_us").getAsLong() >= 0) { // -1 or absent: not measured
            System.out.printf(Locale.ROOT, "cpu wait   %d us (the container runnable but not running)%n",
                    t.get("cpu_wait_us").getAsLong());
        }
        if (t.has("cpu_time_us") && t.get("cpu_time_us").getAsLong() >= 0) {
            System.out.printf(Locale.ROOT, "cpu time   %d us (the container's cgroup during the call)%n",
                    t.get("cpu_time_us").getAsLong());
        }
        if (t.has("energy_uj") && t.get("energy_uj").getAsLong() >= 0) {
            System.out.printf(Locale.ROOT, "energy     %d uJ (the host's CPU packages during the call, RAPL)%n",
                    t.get("energy_uj").getAsLong());
        }
        if (rec.has("error")) {
            JsonObject e = rec.getAsJsonObject("error");
            System.out.println("error      " + e.get("kind").getAsString() + ": " + e.get("message").getAsString());
            if (e.has("detail")) {
                System.out.println(e.get("detail").getAsString().indent(11).stripTrailing());
            }
        } else {
            System.out.println("result     " + rec.get("result"));
        }
    }

    /** Invokes each function twice (the first is cold unless a container is warm) and prints one row per call. */
    public int tryOut(List<String> ids, String payload) throws IOException, InterruptedException {
        int failures = 0;
        if (!json) {
            System.out.printf(Locale.ROOT, "%-20s %-8s %-8s %12s %12s %12s  %s%n", "FUNCTION", "CALL", "STATE", "E2E ms",
                    "EXEC ms", "OVERHEAD ms", "RESULT");
        }
        for (String id : ids) {
            for (int call = 1; call <= 2; call++) {
                Reply r = call("POST", "/functions/" + id + "/invoke?enhanced=true", payload, Map.of());
                if (!r.body().isJsonObject() || !r.body().getAsJsonObject().has("timings")) {
                    failures++;
                    failed(r);
                    continue;
                }
                JsonObject rec = r.body().getAsJsonObject();
                if (json) {
                    System.out.println(rec);
                    continue;
                }
                if (rec.has("error")) {
                    failures++;
                }
                JsonObject t = rec.getAsJsonObject("timings");
                String outcome = rec.has("error") ? rec.getAsJsonObject("error").get("kind").getAsString() + ": "
                        + rec.getAsJsonObject("error").get("message").getAsString() : rec.get("result").toString();
                System.out.printf(Locale.ROOT, "%-20s %-8s %-8s %12.2f %12.2f %12.2f  %s%n", id, call == 1 ? "first" : "second",
                        rec.get("state").isJsonNull() ? "-" : rec.get("state").getAsString(), t.get("e2e_us").getAsLong() / 1000.0,
                        t.get("execution_us").getAsLong() / 1000.0, t.get("overhead_us").getAsLong() / 1000.0,
                        outcome.length() > 60 ? outcome.substring(0, 57) + "..." : outcome);
            }
        }
        return failures == 0 ? 0 : 1;
    }

    public int invokeAsync(String id, String payload, String tid) throws IOException, InterruptedException {
        Reply r = call("POST", "/functions/" + id + "/invoke-async", payload, tidHeader(tid));
        if (!r.ok()) {
            return failed(r);
        }
        System.out.println(json ? r.body().toString() : r.body().getAsJsonObject().get("id").getAsString());
        return 0;
    }

    public int result(String asyncId) throws IOException, InterruptedException {
        Reply r = call("GET", "/invocations/" + asyncId, null, Map.of());
        if (!r.ok()) {
            return failed(r);
        }
        JsonObject o = r.body().getAsJsonObject();
        if (json) {
            System.out.println(o);
        } else if (!o.get("done").getAsBoolean()) {
            System.out.println(asyncId + " is still running");
        } else {
            printRecord(o.getAsJsonObject("record"));
        }
        return o.get("done").getAsBoolean() && !o.getAsJsonObject("record").get("success").getAsBoolean() ? 1 : 0;
    }

    public int prewarm(String id, int count) throws IOException, InterruptedException {
        JsonObject body = new JsonObject();
        body.addProperty("count", count);
        Reply r = call("POST", "/functions/" + id + "/prewarm", body.toString(), Map.of());
        if (!r.ok()) {
            return failed(r);
        }
        JsonObject o = r.body().getAsJsonObject();
        System.out.println(json ? o.toString() : "started " + o.get("started").getAsInt() + " of "
                + o.get("requested").getAsInt() + " containers for " + id);
        return 0;
    }

    /** {@code fn estimate}: how long an invocation would take if sent now ({@code GET /functions/{id}/estimate}). */
    public int estimate(String id) throws IOException, InterruptedException {
        Reply r = call("GET", "/functions/" + id + "/estimate", null, Map.of());
        if (!r.ok()) {
            return failed(r);
        }
        JsonObject o = r.body().getAsJsonObject();
        if (json) {
            System.out.println(o);
            return 0;
        }
        System.out.printf(Locale.ROOT, "%s on %s: %.1f ms (%s; queue %.1f ms behind %d, cold start %.1f ms, execution"
                + " %.1f ms; %d running)%n", o.get("function").getAsString(), o.get("worker").getAsString(),
                o.get("e2e_us").getAsLong() / 1e3, o.get("state").getAsString(), o.get("queue_us").getAsLong() / 1e3,
                o.get("ahead").getAsInt(), o.get("cold_start_us").getAsLong() / 1e3,
                o.get("execution_us").getAsLong() / 1e3, o.get("running").getAsInt());
        return 0;
    }

    /** {@code fn activations}: the activation log, newest first ({@code GET /activations}). */
    public int activations(String function, String since, String until, String status, Integer limit)
            throws IOException, InterruptedException {
        StringBuilder q = new StringBuilder();
        java.util.Map<String, String> params = new java.util.LinkedHashMap<>();
        params.put("function", function);
        params.put("since", since);
        params.put("until", until);
        params.put("status", status);
        params.put("limit", limit == null ? null : limit.toString());
        params.forEach((k, v) -> {
            if (v != null) {
                q.append(q.length() == 0 ? "?" : "&").append(k).append('=')
                        .append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8));
            }
        });
        Reply r = call("GET", "/activations" + q, null, Map.of());
        if (!r.ok()) {
            return failed(r);
        }
        if (json) {
            System.out.println(r.body());
            return 0;
        }
        System.out.printf(Locale.ROOT, "%-30s %-24s %-30s %-5s %-10s %10s  %s%n", "ACTIVATION", "FUNCTION", "ARRIVAL",
                "STATE", "OUTCOME", "E2E", "OUTPUT");
        for (JsonElement e : r.body().getAsJsonObject().getAsJsonArray("activations")) {
            JsonObject a = e.getAsJsonObject();
            String outcome = a.get("success").getAsBoolean() ? "ok" : a.getAsJsonObject("error").get("kind").getAsString()
                    .toLowerCase(Locale.ROOT);
            JsonObject out = a.has("output") ? a.getAsJsonObject("output") : null;
            int lines = out == null ? 0 : (int) (out.get("stdout").getAsString().lines().count()
                    + out.get("stderr").getAsString().lines().count());
            System.out.printf(Locale.ROOT, "%-30s %-24s %-30s %-5s %-10s %7.1f ms  %s%n", a.get("tid").getAsString(),
                    a.get("function").getAsString(), a.get("arrival").getAsString(),
                    a.get("state").isJsonNull() ? "-" : a.get("state").getAsString(), outcome,
                    a.getAsJsonObject("timings").get("e2e_us").getAsLong() / 1e3, lines + " lines");
        }
        return 0;
    }

    /** {@code fn logs TID}: what one activation's function wrote, stdout then stderr ({@code GET /activations/{id}}). */
    public int logs(String tid) throws IOException, InterruptedException {
        Reply r = call("GET", "/activations/" + java.net.URLEncoder.encode(tid, java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20"), null, Map.of());
        if (!r.ok()) {
            return failed(r);
        }
        JsonObject a = r.body().getAsJsonObject();
        if (json) {
            System.out.println(a);
            return 0;
        }
        JsonObject out = a.has("output") ? a.getAsJsonObject("output") : null;
        String stdout = out == null ? "" : out.get("stdout").getAsString();
        String stderr = out == null ? "" : out.get("stderr").getAsString();
        System.out.print(stdout.isEmpty() || stdout.endsWith("\n") ? stdout : stdout + "\n");
        System.err.print(stderr.isEmpty() || stderr.endsWith("\n") ? stderr : stderr + "\n");
        if (out != null && out.get("truncated").getAsBoolean()) {
            System.err.println("vireo: the output was longer than the agent keeps; this is its beginning");
        }
        return 0;
    }

    public int unregister(String id) throws IOException, InterruptedException {
        Reply r = call("DELETE", "/functions/" + id, null, Map.of());
        if (!r.ok()) {
            return failed(r);
        }
        System.out.println(json ? r.body().toString() : "unregistered " + id);
        return 0;
    }

    /** The controller's workers and their load ({@code GET /workers}), then the cluster's status. */
    public int controllerStatus() throws IOException, InterruptedException {
        Reply r = call("GET", "/workers", null, Map.of());
        if (!r.ok()) {
            return failed(r);
        }
        JsonObject o = r.body().getAsJsonObject();
        if (json) {
            System.out.println(o);
            return 0;
        }
        System.out.printf(Locale.ROOT, "controller  %s%n%-16s %-22s %-8s %7s %7s %7s %7s %6s %9s %9s  %s%n",
                o.get("controller").getAsString(), "WORKER", "ADDRESS", "STATE", "RUNNING", "QUEUED", "INFLT", "SLOTS",
                "LOAD", "SENT", "FUNCTIONS", "LAST SEEN / WHY OUT");
        for (JsonElement e : o.getAsJsonArray("workers")) {
            JsonObject w = e.getAsJsonObject();
            boolean healthy = w.get("healthy").getAsBoolean();
            System.out.printf(Locale.ROOT, "%-16s %-22s %-8s %7d %7d %7d %7d %6.2f %9d %9d  %s%n",
                    w.get("name").getAsString(), w.get("address").getAsString(), healthy ? "healthy" : "OUT",
                    w.get("running").getAsInt(), w.get("queued").getAsInt(), w.get("in_flight").getAsInt(),
                    w.get("slots").getAsInt(), w.get("load").getAsDouble(), w.get("sent").getAsLong(),
                    w.get("functions").getAsInt(),
                    healthy ? w.get("last_seen").getAsString() : w.has("reason") ? w.get("reason").getAsString() : "");
        }
        if (o.getAsJsonArray("workers").isEmpty()) {
            System.out.println("(no workers: start workers with vireo.worker.join.cfg pointing here)");
        }
        return 0;
    }

    /** {@code worker settings}: the node's configuration (a controller's, then each worker's), as pid.key = value. */
    public int settings() throws IOException, InterruptedException {
        Reply r = call("GET", "/settings", null, Map.of());
        if (!r.ok()) {
            return failed(r);
        }
        JsonObject s = r.body().getAsJsonObject();
        if (json) {
            System.out.println(s);
            return 0;
        }
        printSettings(s);
        return 0;
    }

    private static void printSettings(JsonObject s) {
        System.out.println("# " + s.get("role").getAsString() + " " + s.get("node").getAsString() + "; in force: "
                + s.get("policies") + (s.getAsJsonObject("capacities").isEmpty() ? ""
                        : "; capacities: " + s.get("capacities")));
        for (var pid : s.getAsJsonObject("configuration").entrySet()) {
            for (var kv : pid.getValue().getAsJsonObject().entrySet()) {
                System.out.println(pid.getKey() + "." + kv.getKey() + " = " + kv.getValue().getAsString());
            }
        }
        for (JsonElement w : s.getAsJsonArray("workers")) {
            System.out.println();
            printSettings(w.getAsJsonObject());
        }
    }

    public int status() throws IOException, InterruptedException {
        Reply r = call("GET", "/status", null, Map.of());
        if (!r.ok()) {
            return failed(r);
        }
        JsonObject s = r.body().getAsJsonObject();
        if (json) {
            System.out.println(s);
            return 0;
        }
        JsonObject c = s.getAsJsonObject("containers");
        JsonObject m = s.getAsJsonObject("memory");
        System.out.printf(Locale.ROOT, "worker      %s%nqueue       %d waiting (capacity %d), %d running%n"
                + "functions   %d%ncontainers  %d running, %d cached%nmemory      %d MB running, %d MB cached, limit %d MB"
                + " (allocated)%n            %d MB running, %d MB cached (measured in cgroups)%n"
                + "policies    %s%n", s.get("worker").getAsString(), s.get("queued").getAsInt(),
                s.get("queue_capacity").getAsInt(), s.get("running").getAsInt(), s.get("functions").getAsInt(),
                c.get("running").getAsInt(), c.get("cached").getAsInt(), m.get("running_mb").getAsLong(),
                m.get("cached_mb").getAsLong(), m.get("limit_mb").getAsLong(), m.get("running_used_mb").getAsLong(),
                m.get("cached_used_mb").getAsLong(), s.get("policies"));
        for (JsonElement e : s.getAsJsonArray("resources")) {
            JsonObject u = e.getAsJsonObject();
            System.out.printf(Locale.ROOT, "resource    %-12s %8.2f / %-8.2f %s%n", u.get("resource").getAsString(),
                    u.get("used").getAsDouble(), u.get("capacity").getAsDouble(), u.get("unit").getAsString());
        }
        JsonObject stats = s.getAsJsonObject("stats");
        if (!stats.isEmpty()) {
            System.out.printf(Locale.ROOT, "%-28s %8s %12s %12s %12s %12s %12s %10s%n", "FUNCTION", "CALLS", "COLD us",
                    "WARM us", "EXEC us", "E2E us", "CPU WAIT us", "CONTAINERS");
            for (String f : stats.keySet()) {
                JsonObject x = stats.getAsJsonObject(f);
                long wait = x.has("cpu_wait_us") ? x.get("cpu_wait_us").getAsLong() : -1;
                String containers = x.has("containers") ? x.get("containers").getAsString() : "-"; // API model 1.6
                System.out.printf(Locale.ROOT, "%-28s %8d %12d %12d %12d %12d %12s %10s%n", f,
                        x.get("invocations").getAsLong(), x.get("cold_start_us").getAsLong(),
                        x.get("warm_us").getAsLong(), x.get("execution_us").getAsLong(), x.get("e2e_us").getAsLong(),
                        wait < 0 ? "-" : Long.toString(wait), containers);
            }
        }
        return 0;
    }
}
