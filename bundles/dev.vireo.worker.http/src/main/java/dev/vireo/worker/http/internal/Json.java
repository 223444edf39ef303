package dev.vireo.worker.http.internal;

import dev.vireo.api.cluster.WorkerMember;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionConfig;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Timings;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.WorkerStatus;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.validation.JsonText;
import dev.vireo.api.validation.Numbers;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** JSON of the API's requests and answers, field by field, with messages that name the field on bad input. */
final class Json {
    static final Set<String> SPEC_FIELDS = Set.of("name", "version", "image", "code", "handler", "backend", "compute",
            "transport", "memory_mb", "cpus", "timeout_ms", "concurrency", "expected_cold_start_ms", "expected_warm_ms", "scratch_mb",
            "env", "parameters", "secrets", "namespace");

    private Json() {
    }

    /**
     * Parses a request body with the strict check every API shares ({@link JsonText#parse}: RFC 8259, no duplicate
     * keys, bounded depth, valid Unicode). Numbers keep their exact text (Gson's own reader gives up on one longer
     * than its buffer, and a double would round it).
     */
    static JsonElement parse(String text) {
        try {
            return tree(JsonText.parse("body", text));
        } catch (ValidationException e) {
            throw new HttpError(400, "INVALID_REQUEST", e.getMessage());
        }
    }

    private static JsonElement tree(Object v) {
        if (v == null) {
            return com.google.gson.JsonNull.INSTANCE;
        }
        if (v instanceof Map<?, ?> m) {
            JsonObject o = new JsonObject();
            m.forEach((k, x) -> o.add((String) k, tree(x)));
            return o;
        }
        if (v instanceof List<?> l) {
            JsonArray a = new JsonArray();
            l.forEach(x -> a.add(tree(x)));
            return a;
        }
        if (v instanceof JsonText.Number n) {
            return new JsonPrimitive(new NumberText(n.text()));
        }
        return v instanceof Boolean b ? new JsonPrimitive(b) : new JsonPrimitive((String) v);
    }

    /** A number as its text: {@link #numberText} reads the text back; the double value is only a fallback. */
    private static final class NumberText extends Number {
        private static final long serialVersionUID = 1L;
        private final String text;

        NumberText(String text) {
            this.text = text;
        }

        @Override
        public int intValue() {
            return (int) doubleValue();
        }

        @Override
        public long longValue() {
            return (long) doubleValue();
        }

        @Override
        public float floatValue() {
            return (float) doubleValue();
        }

        @Override
        public double doubleValue() {
            return Double.parseDouble(text);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    static JsonObject object(String text, String what) {
        JsonElement e = parse(text);
        if (!e.isJsonObject()) {
            throw new HttpError(400, "INVALID_REQUEST", what + " must be a JSON object");
        }
        return e.getAsJsonObject();
    }

    static FunctionSpec spec(JsonObject o) {
        for (String key : o.keySet()) {
            if (!SPEC_FIELDS.contains(key)) {
                throw new HttpError(400, "INVALID_REQUEST", "unknown field '" + key + "'; fields: "
                        + String.join(", ", new java.util.TreeSet<>(SPEC_FIELDS)));
            }
        }
        return new FunctionSpec(string(o, "name", null), string(o, "version", "1"), string(o, "image", ""),
                string(o, "code", ""), string(o, "handler", ""), string(o, "backend", ""),
                Compute.parse(string(o, "compute", "cpu")), string(o, "transport", "uds"),
                (int) integer(o, "memory_mb", 128, FunctionSpec.MIN_MEMORY_MB, FunctionSpec.MAX_MEMORY_MB, "MB"),
                decimal(o, "cpus", 1.0, FunctionSpec.MIN_CPUS, FunctionSpec.MAX_CPUS, "cores"),
                Duration.ofMillis(integer(o, "timeout_ms", 60_000, 1, FunctionSpec.MAX_TIMEOUT.toMillis(), "ms")),
                (int) integer(o, "concurrency", 1, 1, FunctionSpec.MAX_CONCURRENCY, "invocations"),
                new ExpectedTimings(integer(o, "expected_cold_start_ms", 0, 0, ExpectedTimings.MAX_MS, "ms"),
                        integer(o, "expected_warm_ms", 0, 0, ExpectedTimings.MAX_MS, "ms")),
                (int) integer(o, "scratch_mb", FunctionSpec.DEFAULT_SCRATCH_MB, FunctionSpec.MIN_SCRATCH_MB,
                        FunctionSpec.MAX_SCRATCH_MB, "MB"),
                new FunctionConfig(variables(o, "env"), parameters(o), variables(o, "secrets")), string(o, "namespace", ""));
    }

    /** {@code env} or {@code secrets}: an object of variable names to string values (FunctionConfig checks them). */
    private static Map<String, String> variables(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return Map.of();
        }
        if (!e.isJsonObject()) {
            throw new HttpError(400, "INVALID_REQUEST", key + ": must be an object of variable names to string values");
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (var v : e.getAsJsonObject().entrySet()) {
            if (!v.getValue().isJsonPrimitive() || !v.getValue().getAsJsonPrimitive().isString()) {
                throw new HttpError(400, "INVALID_REQUEST", key + ": the value of " + v.getKey() + " must be a string");
            }
            out.put(v.getKey(), v.getValue().getAsString());
        }
        return out;
    }

    /**
     * {@code parameters} as JSON text (numbers as the client wrote them), checked by FunctionConfig as the gRPC API's
     * string is, with the same message for what is not an object.
     */
    private static String parameters(JsonObject o) {
        JsonElement e = o.get("parameters");
        return e == null || e.isJsonNull() ? "" : e.toString();
    }

    static String string(JsonObject o, String key, String fallback) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new HttpError(400, "INVALID_REQUEST", key + ": must be a string");
        }
        return e.getAsString();
    }

    /** An integer field, exactly as {@link Numbers#integer} reads it (the same check as the gRPC API's). */
    static long integer(JsonObject o, String key, long fallback, long min, long max, String unit) {
        String text = numberText(o, key);
        return text == null ? fallback : Numbers.integer(key, text, min, max, unit);
    }

    static double decimal(JsonObject o, String key, double fallback, double min, double max, String unit) {
        String text = numberText(o, key);
        return text == null ? fallback : Numbers.decimal(key, text, min, max, unit);
    }

    /** The number's text as the client wrote it (Gson keeps it), or null when the field is absent or null. */
    private static String numberText(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new HttpError(400, "INVALID_REQUEST", key + ": must be a number");
        }
        return e.getAsString();
    }

    static JsonObject spec(FunctionSpec s) {
        JsonObject o = new JsonObject();
        o.addProperty("id", s.id());
        o.addProperty("namespace", s.namespace());
        o.addProperty("name", s.name());
        o.addProperty("version", s.version());
        o.addProperty("image", s.image());
        o.addProperty("code", s.codeDir());
        o.addProperty("handler", s.handler());
        o.addProperty("backend", s.backend());
        o.addProperty("compute", s.compute().name().toLowerCase(Locale.ROOT));
        o.addProperty("transport", s.transport());
        o.addProperty("memory_mb", s.memoryMb());
        o.addProperty("cpus", s.cpus());
        o.addProperty("timeout_ms", s.timeout().toMillis());
        o.addProperty("concurrency", s.concurrency());
        o.addProperty("expected_cold_start_ms", s.expected().coldStartMs());
        o.addProperty("expected_warm_ms", s.expected().warmMs());
        o.addProperty("scratch_mb", s.scratchMb());
        JsonObject env = new JsonObject();
        s.config().env().forEach(env::addProperty);
        o.add("env", env);
        o.add("parameters", s.config().parameters().isEmpty() ? new JsonObject() : parse(s.config().parameters()));
        JsonArray secrets = new JsonArray(); // names only: a secret's value is never answered
        s.config().secrets().keySet().forEach(secrets::add);
        o.add("secrets", secrets);
        return o;
    }

    /** Marks where {@link #text} writes a result's own text (compared by identity, never written itself). */
    private static final JsonPrimitive RESULT = new JsonPrimitive("result");

    /**
     * A record's JSON text. The result is the function's text itself, unchanged (it was checked by
     * {@link dev.vireo.api.validation.Results#checked}); an empty result is {@code null}.
     */
    static String recordText(InvocationRecord r) {
        return text(record(r), r.result().isEmpty() ? "null" : r.result());
    }

    /** {@code e} as JSON text, with {@code result} written verbatim where {@link #record} put its marker. */
    static String text(JsonElement e, String result) {
        StringWriter out = new StringWriter();
        try {
            write(new JsonWriter(out), e, result);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return out.toString();
    }

    private static void write(JsonWriter w, JsonElement e, String result) throws IOException {
        if (e == RESULT) {
            w.jsonValue(result);
        } else if (e.isJsonObject()) {
            w.beginObject();
            for (Map.Entry<String, JsonElement> f : e.getAsJsonObject().entrySet()) {
                write(w.name(f.getKey()), f.getValue(), result);
            }
            w.endObject();
        } else if (e.isJsonArray()) {
            w.beginArray();
            for (JsonElement x : e.getAsJsonArray()) {
                write(w, x, result);
            }
            w.endArray();
        } else {
            w.jsonValue(e.toString());
        }
    }

    static JsonObject record(InvocationRecord r) {
        JsonObject o = new JsonObject();
        o.addProperty("tid", r.tid());
        o.addProperty("function", r.functionId());
        o.addProperty("worker", r.worker());
        o.addProperty("backend", r.backend());
        o.addProperty("state", r.state().map(s -> s.name().toLowerCase(Locale.ROOT)).orElse(null));
        o.addProperty("arrival", r.arrival().toString());
        o.addProperty("success", r.success());
        o.add("result", RESULT);
        Timings t = r.timings();
        JsonObject timings = new JsonObject();
        timings.addProperty("queued_us", t.queuedUs());
        timings.addProperty("acquire_us", t.acquireUs());
        timings.addProperty("cold_start_us", t.coldStartUs());
        timings.addProperty("transport_us", t.transportUs());
        timings.addProperty("execution_us", t.executionUs());
        timings.addProperty("e2e_us", t.e2eUs());
        timings.addProperty("overhead_us", t.overheadUs());
        timings.addProperty("cpu_wait_us", t.cpuWaitUs()); // -1: not measured (no CPU wait probe)
        timings.addProperty("cpu_time_us", t.cpuTimeUs()); // -1: not measured (no cgroup)
        timings.addProperty("energy_uj", t.energyUj()); // -1: not measured (no RAPL)
        o.add("timings", timings);
        r.routing().ifPresent(g -> {
            JsonObject routing = new JsonObject();
            routing.addProperty("controller", g.controller());
            routing.addProperty("attempts", g.attempts());
            routing.addProperty("pick_us", g.pickUs());
            routing.addProperty("forward_us", g.forwardUs());
            routing.addProperty("e2e_us", g.e2eUs());
            o.add("routing", routing);
        });
        if (!r.output().isEmpty()) { // left out when the function wrote nothing: records stay as they were
            JsonObject output = new JsonObject();
            output.addProperty("stdout", r.output().stdout());
            output.addProperty("stderr", r.output().stderr());
            output.addProperty("truncated", r.output().truncated());
            o.add("output", output);
        }
        r.error().ifPresent(e -> {
            JsonObject err = new JsonObject();
            err.addProperty("kind", e.kind().name());
            err.addProperty("message", e.message());
            if (!e.detail().isEmpty()) {
                err.addProperty("detail", e.detail());
            }
            o.add("error", err);
        });
        return o;
    }

    static JsonObject member(WorkerMember m) {
        JsonObject o = new JsonObject();
        o.addProperty("name", m.name());
        o.addProperty("address", m.address());
        o.addProperty("healthy", m.healthy());
        o.addProperty("running", m.running());
        o.addProperty("queued", m.queued());
        o.addProperty("slots", m.slots());
        o.addProperty("in_flight", m.inFlight());
        o.addProperty("load", m.load());
        o.addProperty("sent", m.sent());
        o.addProperty("failures", m.failures());
        o.addProperty("functions", m.functions());
        o.addProperty("last_seen", m.lastSeen().toString());
        if (!m.reason().isEmpty()) {
            o.addProperty("reason", m.reason());
        }
        return o;
    }

    static JsonArray members(List<WorkerMember> members) {
        JsonArray a = new JsonArray();
        members.forEach(m -> a.add(member(m)));
        return a;
    }

    /** An estimate as {@code GET /functions/{id}/estimate} answers it (times in microseconds). */
    static JsonObject estimate(dev.vireo.api.worker.Estimate e) {
        JsonObject o = new JsonObject();
        o.addProperty("function", e.functionId());
        o.addProperty("worker", e.worker());
        o.addProperty("state", e.state().name().toLowerCase(java.util.Locale.ROOT));
        o.addProperty("queue_us", e.queueUs());
        o.addProperty("cold_start_us", e.coldStartUs());
        o.addProperty("execution_us", e.executionUs());
        o.addProperty("e2e_us", e.e2eUs());
        o.addProperty("ahead", e.ahead());
        o.addProperty("running", e.running());
        return o;
    }

    /**
     * A node's settings: {"node", "role", "configuration": {pid: {key: value}}, "policies": {point: names},
     * "capacities": {resource: n}, "workers": [the same]}.
     */
    static JsonObject settings(dev.vireo.api.worker.NodeSettings s) {
        JsonObject o = new JsonObject();
        o.addProperty("node", s.node());
        o.addProperty("role", s.role());
        JsonObject configuration = new JsonObject();
        s.configuration().forEach((pid, values) -> {
            JsonObject v = new JsonObject();
            values.forEach(v::addProperty);
            configuration.add(pid, v);
        });
        o.add("configuration", configuration);
        JsonObject policies = new JsonObject();
        s.policies().forEach(policies::addProperty);
        o.add("policies", policies);
        JsonObject capacities = new JsonObject();
        s.capacities().forEach(capacities::addProperty);
        o.add("capacities", capacities);
        JsonArray workers = new JsonArray();
        s.workers().forEach(w -> workers.add(settings(w)));
        o.add("workers", workers);
        return o;
    }

    static JsonObject status(WorkerStatus s) {
        JsonObject o = new JsonObject();
        o.addProperty("worker", s.name());
        o.addProperty("queued", s.queued());
        o.addProperty("queue_capacity", s.queueCapacity());
        o.addProperty("running", s.running());
        o.addProperty("functions", s.functions());
        JsonObject containers = new JsonObject();
        containers.addProperty("running", s.containersRunning());
        containers.addProperty("cached", s.containersIdle());
        o.add("containers", containers);
        JsonObject memory = new JsonObject();
        memory.addProperty("running_mb", s.memoryRunningMb());
        memory.addProperty("cached_mb", s.memoryCachedMb());
        memory.addProperty("running_used_mb", s.memoryRunningUsedMb());
        memory.addProperty("cached_used_mb", s.memoryCachedUsedMb());
        memory.addProperty("limit_mb", s.memoryLimitMb());
        o.add("memory", memory);
        o.add("backends", map(s.backends()));
        o.add("policies", map(s.policies()));
        JsonArray resources = new JsonArray();
        for (ResourceUsage u : s.resources()) {
            JsonObject r = new JsonObject();
            r.addProperty("resource", u.resource());
            r.addProperty("unit", u.unit());
            r.addProperty("capacity", u.capacity());
            r.addProperty("used", u.used());
            resources.add(r);
        }
        o.add("resources", resources);
        JsonObject stats = new JsonObject();
        for (Map.Entry<String, FunctionStats> e : new java.util.TreeMap<>(s.stats()).entrySet()) {
            FunctionStats f = e.getValue();
            JsonObject j = new JsonObject();
            j.addProperty("invocations", f.invocations());
            j.addProperty("cold_start_us", Math.round(f.coldStartUs()));
            j.addProperty("warm_us", Math.round(f.warmUs()));
            j.addProperty("execution_us", Math.round(f.executionUs()));
            j.addProperty("e2e_us", Math.round(f.e2eUs()));
            j.addProperty("inter_arrival_us", Math.round(f.interArrivalUs()));
            j.addProperty("memory_mb", Math.round(f.memoryMb()));
            j.addProperty("cpu_wait_us", Math.round(f.cpuWaitUs())); // -1: none measured
            j.addProperty("containers", f.containers()); // in the pool now, busy or idle: not an average
            stats.add(e.getKey(), j);
        }
        o.add("stats", stats);
        return o;
    }

    private static JsonObject map(Map<String, ?> m) {
        JsonObject o = new JsonObject();
        new java.util.TreeMap<>(m).forEach((k, v) -> o.add(k, v instanceof Number n ? new JsonPrimitive(n)
                : new JsonPrimitive(String.valueOf(v))));
        return o;
    }

    static JsonArray specs(List<FunctionSpec> specs) {
        JsonArray a = new JsonArray();
        specs.forEach(s -> a.add(spec(s)));
        return a;
    }

    static JsonObject error(String kind, String message) {
        JsonObject o = new JsonObject();
        JsonObject err = new JsonObject();
        err.addProperty("kind", kind);
        err.addProperty("message", message);
        o.add("error", err);
        return o;
    }
}
