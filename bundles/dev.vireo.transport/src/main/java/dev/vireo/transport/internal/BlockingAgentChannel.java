package dev.vireo.transport.internal;

import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * A channel whose exchange with the agent is a blocking call, run on the project's scheduler and bounded by a timer
 * of the project's clock. The reply carries when the exchange began writing and when the reply had been read, on
 * that clock, with the agent's own two stamps ({@link AgentReply.Stamps}: the latency anatomy).
 */
abstract class BlockingAgentChannel implements AgentChannel {
    private final TaskScheduler scheduler;
    private final Clock clock;

    BlockingAgentChannel(TaskScheduler scheduler, Clock clock) {
        this.scheduler = scheduler;
        this.clock = clock;
    }

    /** Sends one invocation and reads its reply. */
    abstract AgentReply call(String tid, String payload) throws IOException;

    @Override
    public final CompletionStage<AgentReply> invoke(String tid, String payload, Duration timeout) {
        CompletableFuture<AgentReply> reply = new CompletableFuture<>();
        var timer = scheduler.schedule(() -> reply.completeExceptionally(new TimeoutException()), timeout);
        // a platform thread: its socket read is woken by the kernel directly. (Writing the request on the caller's
        // thread first, so that this hand-off overlaps the agent's work, was slower on 2 cores: the waking thread
        // competed with the agent.)
        scheduler.executeBlocking(() -> {
            try {
                long write = clock.nanoTime();
                AgentReply r = call(tid, payload);
                long read = clock.nanoTime();
                long in = r.stamps().agentInNs();
                long out = r.stamps().agentOutNs();
                // the agent's stamps count only if they fall between ours: an agent on another clock (a VM's
                // kernel, a time namespace, another host) gives none rather than wrong ones
                boolean ours = write <= in && in <= out && out <= read;
                reply.complete(r.withStamps(new AgentReply.Stamps(write, ours ? in : 0, ours ? out : 0, read)));
            } catch (IOException | RuntimeException e) {
                reply.completeExceptionally(e);
            } finally {
                timer.cancel();
            }
        });
        return reply;
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing: nothing left to do
        }
    }
}
