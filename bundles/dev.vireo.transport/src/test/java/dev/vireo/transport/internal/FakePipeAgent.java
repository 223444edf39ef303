package dev.vireo.transport.internal;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;

/**
 * An agent serving FIFO pairs as agent/python/vireo_agent.py's serve_pipe does: per pair, open in-N for reading, then
 * out-N for writing, serve until the worker closes, close both and wait for the next opener.
 */
final class FakePipeAgent implements AutoCloseable {
    private final Path dir;
    private final int pairs;
    private final List<Thread> threads = new ArrayList<>();
    private final List<FileChannel> open = new CopyOnWriteArrayList<>();
    /** Released each time a session on a pair ended with both of the agent's ends closed. */
    final Semaphore sessionsEnded = new Semaphore(0);
    private volatile boolean stopped;

    /** An agent that, like vireo_agent.py, waits for the next opener of a pair once a session on it ended. */
    FakePipeAgent(Path dir, int pairs, AgentScript script) {
        this(dir, pairs, script, true);
    }

    /** An agent that dies when its first session ends: its ends close and nobody opens the pair again. */
    static FakePipeAgent dyingAfterOneSession(Path dir, AgentScript script) {
        return new FakePipeAgent(dir, 1, script, false);
    }

    private FakePipeAgent(Path dir, int pairs, AgentScript script, boolean reopen) {
        this.dir = dir;
        this.pairs = pairs;
        for (int i = 0; i < pairs; i++) {
            int pair = i;
            threads.add(Thread.ofPlatform().daemon().name("fake-pipe-agent-" + i).start(() -> serve(pair, script, reopen)));
        }
    }

    private void serve(int pair, AgentScript script, boolean reopen) {
        boolean again = true;
        while (again && !stopped) {
            again = reopen;
            try (FileChannel requests = FileChannel.open(dir.resolve("in-" + pair), StandardOpenOption.READ)) {
                open.add(requests);
                if (stopped) {
                    return;
                }
                try (FileChannel replies = FileChannel.open(dir.resolve("out-" + pair), StandardOpenOption.WRITE)) {
                    open.add(replies);
                    if (stopped) {
                        return;
                    }
                    script.serve(Channels.newInputStream(requests), Channels.newOutputStream(replies));
                } finally {
                    open.removeIf(c -> !c.isOpen());
                }
            } catch (IOException e) {
                // the worker went away mid-frame, or the test stopped the agent
            } finally {
                open.removeIf(c -> !c.isOpen());
                sessionsEnded.release();
            }
        }
    }

    /**
     * Stops: closes the agent's open ends, and holds every FIFO open read-write meanwhile so that an open(2) blocked
     * waiting for the other side completes (on Linux a read-write open of a FIFO never blocks).
     */
    @Override
    public void close() throws Exception {
        stopped = true;
        for (FileChannel c : open) {
            c.close();
        }
        List<FileChannel> holders = new ArrayList<>();
        try {
            for (int i = 0; i < pairs; i++) {
                for (String name : new String[] {"in-" + i, "out-" + i}) {
                    holders.add(FileChannel.open(dir.resolve(name), StandardOpenOption.READ, StandardOpenOption.WRITE));
                }
            }
            for (Thread t : threads) {
                t.join(5_000);
            }
        } finally {
            for (FileChannel h : holders) {
                h.close();
            }
        }
    }
}
