package dev.vireo.worker.http.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.vireo.api.cluster.ClusterMembers;
import dev.vireo.api.cluster.WorkerMember;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster as a worker that joined a controller knows it: the members its controller listed ({@code GET /workers})
 * after the last join, this worker and those out of service included; none while the join or the list fails (with no
 * controller to say who is in service, nothing is handed to anyone). {@link ControllerJoin} keeps it up to date and
 * registers it as {@link ClusterMembers}.
 *
 * <p>Threading: safe from any thread (one volatile list, replaced whole).
 */
final class JoinedCluster implements ClusterMembers {
    private volatile List<WorkerMember> members = List.of();

    @Override
    public List<WorkerMember> members() {
        return members;
    }

    void learn(List<WorkerMember> listed) {
        members = List.copyOf(listed);
    }

    void forget() {
        members = List.of();
    }

    /**
     * The members in a controller's answer to {@code GET /workers}: {@code {"controller", "workers": [{"name",
     * "address", "healthy", ...}]}} (what {@link Json#member} writes). Each needs a name and an address; the other
     * fields default to 0, false, the epoch and empty when absent.
     *
     * @throws IllegalArgumentException if the answer is not that shape
     */
    static List<WorkerMember> parse(String body) {
        JsonElement root;
        try {
            root = JsonParser.parseString(body);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject() || !root.getAsJsonObject().has("workers")
                || !root.getAsJsonObject().get("workers").isJsonArray()) {
            throw new IllegalArgumentException("not {\"workers\": [...]}");
        }
        List<WorkerMember> out = new ArrayList<>();
        for (JsonElement e : root.getAsJsonObject().getAsJsonArray("workers")) {
            out.add(member(e));
        }
        return out;
    }

    private static WorkerMember member(JsonElement e) {
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException("a worker is not an object: " + e);
        }
        JsonObject o = e.getAsJsonObject();
        String name = text(o, "name");
        String address = text(o, "address");
        if (name.isEmpty() || address.isEmpty()) {
            throw new IllegalArgumentException("a worker without name or address: " + o);
        }
        Instant lastSeen;
        try {
            lastSeen = Instant.parse(text(o, "last_seen"));
        } catch (DateTimeParseException ignored) {
            lastSeen = Instant.EPOCH;
        }
        try {
            return new WorkerMember(name, address, o.has("healthy") && o.get("healthy").getAsBoolean(),
                    (int) number(o, "running"), (int) number(o, "queued"), (int) number(o, "slots"),
                    (int) number(o, "in_flight"), number(o, "sent"), (int) number(o, "failures"),
                    (int) number(o, "functions"), lastSeen, text(o, "reason"));
        } catch (RuntimeException bad) {
            throw new IllegalArgumentException("worker '" + name + "': " + bad.getMessage(), bad);
        }
    }

    private static String text(JsonObject o, String key) {
        JsonElement v = o.get(key);
        return v == null || !v.isJsonPrimitive() ? "" : v.getAsString();
    }

    private static long number(JsonObject o, String key) {
        JsonElement v = o.get(key);
        return v == null || v.isJsonNull() ? 0 : v.getAsLong();
    }
}
