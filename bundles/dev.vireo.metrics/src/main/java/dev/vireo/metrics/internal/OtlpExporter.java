package dev.vireo.metrics.internal;

import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.trace.Span;
import dev.vireo.api.trace.SpanExporter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends spans to an OTLP/HTTP collector ({@code POST <endpoint>}, JSON): {@link #export} only queues them (at most
 * {@code queue.max}: beyond, the oldest are dropped and counted), and a task of the node's scheduler sends them in
 * batches of at most {@code batch.max}, every {@code flush.ms} or as soon as a batch is full, one request at a time. A
 * collector that refuses or cannot be reached loses that batch (counted, logged once per kind of failure until a send
 * works again): spans are evidence for a person, never worth slowing invocations down or holding memory without
 * bound. Counted in {@code vireo.tracing.spans{outcome=exported|dropped|failed}}. Thread-safe.
 */
final class OtlpExporter implements SpanExporter, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OtlpExporter.class.getName());

    /** The exporter's settings. */
    record Options(URI endpoint, Map<String, String> resource, int batchMax, int queueMax, Duration flush,
            Duration timeout) {
        Options {
            if (endpoint == null || !("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))) {
                throw new IllegalArgumentException("endpoint '" + endpoint + "' is not an http(s) URL");
            }
            if (batchMax < 1 || queueMax < 1 || flush.toMillis() < 10 || timeout.toMillis() < 1) {
                throw new IllegalArgumentException("batch.max >= 1, queue.max >= 1, flush.ms >= 10 and"
                        + " timeout.ms >= 1 are required");
            }
            batchMax = Math.min(batchMax, queueMax); // a batch never waits for more than can wait
            resource = Map.copyOf(resource);
        }
    }

    private final Options options;
    private final TaskScheduler scheduler;
    private final HttpClient http;
    private final ArrayDeque<Span> queue = new ArrayDeque<>();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final Counter exported;
    private final Counter dropped;
    private final Counter failed;
    private final Cancellable ticker;
    private volatile String lastError = "";
    private volatile boolean closed;

    OtlpExporter(Options options, TaskScheduler scheduler, HttpClient http, MeterRegistry meters) {
        this.options = options;
        this.scheduler = scheduler;
        this.http = http;
        this.exported = counter(meters, "exported");
        this.dropped = counter(meters, "dropped");
        this.failed = counter(meters, "failed");
        this.ticker = scheduler.scheduleAtFixedRate("tracing.otlp", this::flush, options.flush());
    }

    private static Counter counter(MeterRegistry meters, String outcome) {
        return Counter.builder("vireo.tracing.spans").description("spans handed to the OTLP exporter, by outcome")
                .tag("outcome", outcome).register(meters);
    }

    @Override
    public void export(List<Span> spans) {
        int over;
        boolean full;
        synchronized (queue) {
            if (closed) { // after the last flush: nothing would send them
                dropped.increment(spans.size());
                return;
            }
            queue.addAll(spans);
            over = Math.max(0, queue.size() - options.queueMax());
            for (int i = 0; i < over; i++) {
                queue.removeFirst();
            }
            full = queue.size() >= options.batchMax();
        }
        if (over > 0) {
            dropped.increment(over);
        }
        if (full && !sending.get()) {
            scheduler.execute(this::flush);
        }
    }

    /** Sends what is queued, a batch at a time, unless a send is under way already (it goes on when that ends). */
    void flush() {
        if (!sending.compareAndSet(false, true)) {
            return;
        }
        List<Span> batch = take();
        if (batch.isEmpty()) {
            sending.set(false);
            return;
        }
        CompletableFuture<HttpResponse<Void>> request;
        try {
            request = http.sendAsync(HttpRequest.newBuilder(options.endpoint()).timeout(options.timeout())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(OtlpJson.request(options.resource(), "dev.vireo",
                            batch))).build(), HttpResponse.BodyHandlers.discarding());
        } catch (RuntimeException e) {
            request = CompletableFuture.failedFuture(e);
        }
        // the request's own timeout ends at the response's headers: a collector that then stalls would hold every
        // later batch; this guard, on the node's scheduler, ends the send whatever the collector does
        CompletableFuture<HttpResponse<Void>> sent = new CompletableFuture<>();
        CompletableFuture<HttpResponse<Void>> pending = request;
        Cancellable guard = scheduler.schedule(() -> {
            if (sent.completeExceptionally(new java.util.concurrent.TimeoutException("no answer in "
                    + options.timeout().toMillis() * 2 + " ms"))) {
                pending.cancel(true);
            }
        }, options.timeout().multipliedBy(2));
        request.whenComplete((r, e) -> {
            guard.cancel();
            if (e != null) {
                sent.completeExceptionally(e);
            } else {
                sent.complete(r);
            }
        });
        sent.whenComplete((r, e) -> {
            if (e == null && r.statusCode() / 100 == 2) {
                exported.increment(batch.size());
                if (!lastError.isEmpty()) {
                    LOG.log(Level.INFO, "OTLP collector at " + options.endpoint() + " takes spans again");
                    lastError = "";
                }
            } else {
                failed.increment(batch.size());
                String error = e != null ? String.valueOf(e.getCause() != null ? e.getCause() : e)
                        : "HTTP " + r.statusCode();
                if (!error.equals(lastError)) {
                    LOG.log(Level.WARNING, "cannot send spans to the OTLP collector at " + options.endpoint() + ": "
                            + error + " (" + batch.size() + " spans lost; later batches are tried)");
                    lastError = error;
                }
            }
            sending.set(false);
            boolean more;
            synchronized (queue) {
                more = queue.size() >= options.batchMax() || (closed && !queue.isEmpty());
            }
            if (more) {
                scheduler.execute(this::flush);
            }
        });
    }

    private List<Span> take() {
        synchronized (queue) {
            List<Span> batch = new ArrayList<>(Math.min(queue.size(), options.batchMax()));
            while (!queue.isEmpty() && batch.size() < options.batchMax()) {
                batch.add(queue.removeFirst());
            }
            return batch;
        }
    }

    /** Takes no more spans, sends what is queued (without waiting for it) and stops the periodic flush. */
    @Override
    public void close() {
        synchronized (queue) {
            closed = true;
        }
        ticker.cancel();
        flush();
    }
}
