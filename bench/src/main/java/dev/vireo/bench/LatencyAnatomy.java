package dev.vireo.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vireo.grpc.v1.Anatomy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Where the microseconds of one warm invocation go, from a client on the worker's host to the agent and back: the
 * client's own send and receive ({@code System.nanoTime()}) around the hops the worker reports for the call
 * ({@code InvokeRequest.anatomy}: the gRPC service, the worker core, the transport and the agent's own two stamps,
 * all on the one kernel monotonic clock). Per hop: the mean (the means add up to the mean end to end) and the p50
 * and p99. A hop whose stamps are missing in a call (0: not passed, or a transport without stamps) is left out of
 * that call's figures. Not thread-safe: one client adds its calls.
 */
public final class LatencyAnatomy {
    /** The hops, each from one stamp to the next: name, then the index of its start and end in {@link #stamps}. */
    static final String[] HOPS = {
        "client -> gRPC service method",
        "gRPC service -> worker admission",
        "admission -> out of the queue",
        "queue -> container taken",
        "taken -> call task started (hand-off)",
        "task -> transport call (slot, cpu wait)",
        "transport call -> its thread writes",
        "request written, agent has read it",
        "agent: handler, reply serialized",
        "reply written, transport has read it",
        "transport read -> worker callback",
        "worker callback -> record made",
        "record -> gRPC reply sent",
        "gRPC reply -> client has it",
    };

    private final List<long[]> calls = new ArrayList<>();

    /** One call: the client's send and receive around the worker's anatomy of it. */
    public void add(long clientSendNs, long clientReceiveNs, Anatomy a) {
        calls.add(stamps(clientSendNs, clientReceiveNs, a));
    }

    static long[] stamps(long send, long receive, Anatomy a) {
        return new long[] {send, a.getGrpcInNs(), a.getArrivalNs(), a.getDequeuedNs(), a.getAcquiredNs(),
            a.getStartedNs(), a.getSentNs(), a.getWriteNs(), a.getAgentInNs(), a.getAgentOutNs(), a.getReadNs(), a.getDoneNs(),
            a.getRecordedNs(), a.getGrpcOutNs(), receive};
    }

    /** The calls of {@code parts} in one anatomy (rounds of one setting pooled). */
    public static LatencyAnatomy pooled(List<LatencyAnatomy> parts) {
        LatencyAnatomy all = new LatencyAnatomy();
        parts.forEach(p -> all.calls.addAll(p.calls));
        return all;
    }

    public int size() {
        return calls.size();
    }

    /** Per hop: {@code hop}, {@code mean_us}, {@code p50_us}, {@code p99_us}, {@code calls}; then the end to end. */
    public JsonArray summary() {
        JsonArray out = new JsonArray();
        for (int h = 0; h < HOPS.length; h++) {
            out.add(row(HOPS[h], h, h + 1));
        }
        out.add(row("end to end (client)", 0, HOPS.length));
        return out;
    }

    private JsonObject row(String name, int from, int to) {
        long[] d = calls.stream().filter(s -> s[from] > 0 && s[to] > 0).mapToLong(s -> s[to] - s[from]).sorted()
                .toArray();
        JsonObject o = new JsonObject();
        o.addProperty("hop", name);
        o.addProperty("calls", d.length);
        o.addProperty("mean_us", d.length == 0 ? 0 : Math.round(Arrays.stream(d).average().orElse(0) / 100.0) / 10.0);
        o.addProperty("p50_us", d.length == 0 ? 0 : Math.round(d[(int) (0.5 * (d.length - 1))] / 100.0) / 10.0);
        o.addProperty("p99_us", d.length == 0 ? 0 : Math.round(d[(int) (0.99 * (d.length - 1))] / 100.0) / 10.0);
        return o;
    }

    /** The summary as a table. */
    public static String table(JsonArray summary) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-40s %9s %9s %9s%n", "hop (1 client, warm)",
                "mean us", "p50 us", "p99 us"));
        summary.forEach(e -> {
            JsonObject o = e.getAsJsonObject();
            b.append(String.format(Locale.ROOT, "%-40s %9.1f %9.1f %9.1f%n", o.get("hop").getAsString(),
                    o.get("mean_us").getAsDouble(), o.get("p50_us").getAsDouble(), o.get("p99_us").getAsDouble()));
        });
        return b.toString();
    }
}
