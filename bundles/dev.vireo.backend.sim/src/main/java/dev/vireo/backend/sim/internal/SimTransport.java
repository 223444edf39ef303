package dev.vireo.backend.sim.internal;

import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The simulated agent. An invocation takes the container's execution time (drawn per call) and answers
 * {@code {"echo": <payload>}}. Payload keys steer it, for tests and experiments: {@code "sim_items": N} answers the list
 * {@code [0, ..., N-1]} instead (a workflow's fan-out width), {@code "sim_exec_ms": N} sets this
 * call's execution time, {@code "sim_fail": "message"} makes the handler raise.
 */
@Component(service = AgentTransport.class)
@PluginName("sim")
@PluginDescription("in-process channel to simulated agents (used by the sim backend)")
public final class SimTransport implements AgentTransport {
    private static final Pattern EXEC = Pattern.compile("\"sim_exec_ms\"\\s*:\\s*(\\d{1,9})");
    private static final Pattern FAIL = Pattern.compile("\"sim_fail\"\\s*:\\s*\"([^\"]{0,200})\"");
    private static final Pattern ITEMS = Pattern.compile("\"sim_items\"\\s*:\\s*(\\d{1,6})");

    private final Clock clock;
    private final TaskScheduler scheduler;

    @Activate
    public SimTransport(@Reference Clock clock, @Reference TaskScheduler scheduler) {
        this.clock = clock;
        this.scheduler = scheduler;
    }

    @Override
    public TransportBinding bind(String containerId, String tid) {
        return new TransportBinding(new AgentEndpoint("sim", containerId, Map.of()), Map.of(), Map.of(), "");
    }

    @Override
    public AgentChannel open(AgentEndpoint endpoint, String tid) throws IOException {
        if (!"sim".equals(endpoint.transport()) || !endpoint.attributes().containsKey(SimBackend.EXEC_US)) {
            throw new IOException("not a simulated agent: " + endpoint);
        }
        long execUs = Long.parseLong(endpoint.attributes().get(SimBackend.EXEC_US));
        SimTiming timing = new SimTiming(endpoint.attributes().get(SimBackend.DISTRIBUTION),
                Long.parseLong(endpoint.attributes().get(SimBackend.SEED)));
        return new Channel(execUs, timing, timing.random(endpoint.address() + "/" + tid));
    }

    @Override
    public void unbind(TransportBinding binding) {
    }

    private final class Channel implements AgentChannel {
        private final long execMeanUs;
        private final SimTiming timing;
        private final SplittableRandom random;
        private volatile boolean open = true;
        private volatile CompletableFuture<AgentReply> inFlight;
        private boolean served;

        Channel(long execMeanUs, SimTiming timing, SplittableRandom random) {
            this.execMeanUs = execMeanUs;
            this.timing = timing;
            this.random = random;
        }

        @Override
        public synchronized CompletionStage<AgentReply> invoke(String tid, String payload, Duration timeout) {
            if (!open) {
                return CompletableFuture.failedFuture(new IOException("channel closed"));
            }
            Matcher exec = EXEC.matcher(payload);
            long execUs = exec.find() ? Long.parseLong(exec.group(1)) * 1_000 : timing.draw(execMeanUs, random);
            Matcher fail = FAIL.matcher(payload);
            boolean cold = !served;
            served = true;
            CompletableFuture<AgentReply> reply = new CompletableFuture<>();
            inFlight = reply;
            long startUs = clock.micros();
            if (execUs > timeout.toNanos() / 1_000) {
                scheduler.schedule(() -> reply.completeExceptionally(new TimeoutException()), timeout);
                return reply;
            }
            String body = payload.isBlank() ? "null" : payload;
            Matcher items = ITEMS.matcher(payload);
            // {"sim_items": N}: the result is the list [0, ..., N-1] (a workflow's dynamic fan-out over N elements)
            String result = items.find() ? java.util.stream.IntStream.range(0, Integer.parseInt(items.group(1)))
                    .mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(",", "[", "]"))
                    : "{\"echo\":" + body + "}";
            long inNs = clock.nanoTime();
            // the simulated agent's stamps: it reads the request at once and writes the reply when its handler ends
            Runnable answer = () -> {
                long outNs = clock.nanoTime();
                AgentReply.Stamps stamps = new AgentReply.Stamps(inNs, inNs, outNs, outNs);
                reply.complete((fail.find()
                        ? new AgentReply(startUs, startUs + execUs, execUs, cold, false, "", "SimulatedError",
                                fail.group(1), "Traceback (simulated):\n  SimulatedError: " + fail.group(1))
                        : new AgentReply(startUs, startUs + execUs, execUs, cold, true, result, "", "", ""))
                        .withStamps(stamps));
            };
            if (execUs == 0) {
                answer.run(); // a no-op handler answers at once, as a real agent would
            } else {
                scheduler.schedule(answer, Duration.ofNanos(execUs * 1_000));
            }
            return reply;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
            CompletableFuture<AgentReply> f = inFlight;
            if (f != null) {
                f.completeExceptionally(new IOException("channel closed"));
            }
        }
    }
}
