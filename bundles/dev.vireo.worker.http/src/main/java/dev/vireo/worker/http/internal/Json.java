package dev.vireo.worker.http.internal;

import dev.vireo.api.cluster.WorkerMember;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Timings;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.WorkerStatus;
import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** JSON of the API's requests and answers, field by field, with messages that name the field on bad input. */
final class Json {
    static final Set<String> SPEC_FIELDS = Set.of("name", "version", "image", "code", "handler", "backend", "compute",
            "transport", "memory_mb", "cpus", "timeout_ms", "concurrency", "expected_cold_start_ms", "expected_warm_ms");

    private Json() {
    }

    /** Parses strictly: one JSON value and nothing after it. */
    static JsonElement parse(String text) {
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(reader);
            if (reader.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
                throw new HttpError(400, "INVALID_REQUEST", "malformed JSON: text after the value");
            }
            return e;
        } catch (JsonParseException | java.io.IOException | IllegalStateException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new HttpError(400, "INVALID_REQUEST", "malformed JSON: " + why.replaceAll("\\s+See https?://\\S+", ""));
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
                (int) number(o, "memory_mb", 128), number(o, "cpus", 1.0),
                Duration.ofMillis((long) number(o, "timeout_ms", 60_000)), (int) number(o, "concurrency", 1),
                new ExpectedTimings((long) number(o, "expected_cold_start_ms", 0), (long) number(o, "expected_warm_ms", 0)));
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

    static double number(JsonObject o, String key, double fallback) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new HttpError(400, "INVALID_REQUEST", key + ": must be a number");
        }
        double v = e.getAsDouble();
        if (Double.isNaN(v) || Double.isInfinite(v) || Math.abs(v) > 1e15) {
            throw new HttpError(400, "INVALID_REQUEST", key + ": " + e + " is not a usable number");
        }
        return v;
    }

    static JsonObject spec(FunctionSpec s) {
        JsonObject o = new JsonObject();
        o.addProperty("id", s.id());
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
        return o;
    }

    /** The function's result as JSON (it is JSON text from the agent; kept as a string if it is not). */
    static JsonElement result(String text) {
        if (text == null || text.isEmpty()) {
            return com.google.gson.JsonNull.INSTANCE;
        }
        try {
            return JsonParser.parseString(text);
        } catch (JsonParseException e) {
            return new JsonPrimitive(text);
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
        o.add("result", result(r.result()));
        Timings t = r.timings();
        JsonObject timings = new JsonObject();
        timings.addProperty("queued_us", t.queuedUs());
        timings.addProperty("acquire_us", t.acquireUs());
        timings.addProperty("cold_start_us", t.coldStartUs());
        timings.addProperty("transport_us", t.transportUs());
        timings.addProperty("execution_us", t.executionUs());
        timings.addProperty("e2e_us", t.e2eUs());
        timings.addProperty("overhead_us", t.overheadUs());
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
