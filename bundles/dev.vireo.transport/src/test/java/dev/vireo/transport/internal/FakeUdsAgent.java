package dev.vireo.transport.internal;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An agent listening on a Unix socket, as agent/python/vireo_agent.py does: every connection is served on its own
 * thread by the script. {@link #deaf} listens without ever accepting (a stopped or wedged agent: the kernel still
 * completes connects from the backlog).
 */
final class FakeUdsAgent implements AutoCloseable {
    private final ServerSocketChannel server;
    private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    private FakeUdsAgent(Path socket, AgentScript script) throws IOException {
        Files.createDirectories(socket.getParent());
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket), 64);
        if (script != null) {
            threads.add(Thread.ofPlatform().daemon().name("fake-agent-accept").start(() -> accept(script)));
        }
    }

    static FakeUdsAgent start(Path socket, AgentScript script) throws IOException {
        return new FakeUdsAgent(socket, script);
    }

    static FakeUdsAgent deaf(Path socket) throws IOException {
        return new FakeUdsAgent(socket, null);
    }

    private void accept(AgentScript script) {
        while (server.isOpen()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.add(c);
            threads.add(Thread.ofPlatform().daemon().name("fake-agent-conn").start(() -> {
                try (c) {
                    script.serve(Channels.newInputStream(c), Channels.newOutputStream(c));
                } catch (IOException e) {
                    // the worker went away, or the test closed the agent
                }
            }));
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        for (SocketChannel c : connections) {
            c.close();
        }
        for (Thread t : threads) {
            t.join(5_000);
        }
    }
}
