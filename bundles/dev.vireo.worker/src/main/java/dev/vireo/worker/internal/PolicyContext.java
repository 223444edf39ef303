package dev.vireo.worker.internal;

import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.spi.keepalive.KeepAliveContext;
import dev.vireo.api.spi.queue.QueueContext;
import dev.vireo.api.time.Clock;

/** What policies may know about a worker: its clock and its statistics. */
record PolicyContext(Clock clock, StatsBook book) implements QueueContext, KeepAliveContext {
    @Override
    public FunctionStats stats(String functionId) {
        return book.get(functionId);
    }
}
