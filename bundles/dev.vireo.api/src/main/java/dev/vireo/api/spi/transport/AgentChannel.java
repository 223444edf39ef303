package dev.vireo.api.spi.transport;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * An open connection to one agent. A channel serves one invocation at a time; the worker opens as many channels per
 * container as the function's concurrency.
 *
 * <p>Threading: {@link #invoke} is not called again before its stage completes; {@link #close} may be called from
 * any thread and fails an invocation in flight.
 */
@ProviderType
public interface AgentChannel extends AutoCloseable {

    /**
     * Sends one invocation. The stage fails with {@link java.io.IOException} if the agent goes away and with
     * {@link java.util.concurrent.TimeoutException} after {@code timeout}.
     */
    CompletionStage<AgentReply> invoke(String tid, String payload, Duration timeout);

    boolean isOpen();

    @Override
    void close();
}
