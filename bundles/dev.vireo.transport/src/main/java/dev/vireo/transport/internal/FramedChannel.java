package dev.vireo.transport.internal;

import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import java.io.IOException;
import java.nio.channels.ByteChannel;

/**
 * One agent channel carrying frames: requests written to one byte channel, replies read from another (the same
 * socket for uds, the two FIFOs of a pair for pipe).
 */
class FramedChannel extends BlockingAgentChannel {
    private final ByteChannel requests;
    private final ByteChannel replies;
    private final int maxFrame;

    FramedChannel(TaskScheduler scheduler, Clock clock, ByteChannel requests, ByteChannel replies, int maxFrame) {
        super(scheduler, clock);
        this.requests = requests;
        this.replies = replies;
        this.maxFrame = maxFrame;
    }

    @Override
    AgentReply call(String tid, String payload) throws IOException {
        Frames.write(requests, Frames.invoke(tid, payload));
        return Frames.reply(Frames.read(replies, maxFrame));
    }

    @Override
    public boolean isOpen() {
        return requests.isOpen() && replies.isOpen();
    }

    @Override
    public void close() {
        closeQuietly(requests);
        closeQuietly(replies);
    }
}
