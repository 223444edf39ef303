package dev.vireo.loadgen;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The {@code run} object of a results folder's summary (what ran, against what, with which trace and settings):
 * built here for live runs and simulations alike, so the two carry the same keys and a comparison can rely on them.
 */
public final class RunMetadata {
    private final JsonObject json = new JsonObject();

    private RunMetadata() {
    }

    /** A live run against a worker or controller. */
    public static RunMetadata live(String name, String kind, String target, Instant started) {
        RunMetadata m = new RunMetadata();
        m.json.addProperty("name", name);
        m.json.addProperty("kind", kind);
        m.json.addProperty("target", target);
        m.json.addProperty("simulated", false);
        m.json.addProperty("started", started.toString());
        return m;
    }

    /** A trace replayed in the simulation. */
    public static RunMetadata simulated() {
        RunMetadata m = new RunMetadata();
        m.json.addProperty("kind", "trace");
        m.json.addProperty("simulated", true);
        m.json.addProperty("target", "simulation");
        return m;
    }

    /** The trace replayed and how: the same keys live and simulated. */
    public RunMetadata trace(Path trace, long seed, double speed, long minutes, String backend, int functions) {
        json.addProperty("trace", trace.toAbsolutePath().normalize().toString());
        json.addProperty("seed", seed);
        json.addProperty("speed", speed);
        json.addProperty("minutes", minutes);
        json.addProperty("backend", backend);
        json.addProperty("functions", functions);
        return this;
    }

    public RunMetadata put(String key, Number value) {
        json.addProperty(key, value);
        return this;
    }

    public RunMetadata put(String key, String value) {
        json.addProperty(key, value);
        return this;
    }

    public RunMetadata put(String key, JsonElement value) {
        json.add(key, value);
        return this;
    }

    public JsonObject json() {
        return json;
    }
}
