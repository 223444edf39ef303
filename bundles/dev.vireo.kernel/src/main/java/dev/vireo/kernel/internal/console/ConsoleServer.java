package dev.vireo.kernel.internal.console;

import dev.vireo.api.time.TaskScheduler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo over a Unix socket, so that a Vireo running in the background can be administered from another terminal
 * ({@code ./vireo console}). The socket lives in a directory only the owner can enter (0700) and is itself 0600.
 *
 * <p>Protocol: the client sends one command per line (UTF-8); the server answers each with a frame
 * {@code [int status][int length][length bytes of output]}, status 0 for success and 1 for an error.
 * Framework property {@value #SOCKET} names the socket; without it no server starts.
 */
@Component(immediate = true)
public final class ConsoleServer {
    static final String SOCKET = "vireo.console.socket";
    private static final System.Logger LOG = System.getLogger(ConsoleServer.class.getName());

    private final CommandProcessor processor;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Set<SocketChannel> clients = ConcurrentHashMap.newKeySet();

    @Activate
    public ConsoleServer(BundleContext context, @Reference CommandProcessor processor, @Reference TaskScheduler scheduler)
            throws IOException {
        this.processor = processor;
        String path = context.getProperty(SOCKET);
        if (path == null || path.isBlank()) {
            socket = null;
            server = null;
            return;
        }
        socket = Path.of(path).toAbsolutePath();
        Files.createDirectories(socket.getParent());
        Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString("rwx------"));
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        LOG.log(Level.INFO, "console listening on " + socket);
        scheduler.execute(() -> accept(scheduler));
    }

    private void accept(TaskScheduler scheduler) {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                clients.add(client);
                scheduler.execute(() -> serve(client));
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.log(Level.WARNING, "console accept failed: " + e.getMessage());
                }
            }
        }
    }

    private void serve(SocketChannel client) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        InputStream noInput = new ByteArrayInputStream(new byte[0]);
        try (client; CommandSession session = processor.createSession(noInput, out, out);
                var reader = new java.io.BufferedReader(Channels.newReader(client, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                buffer.reset();
                int status = 0;
                try {
                    Object result = session.execute(line);
                    if (result != null) {
                        out.println(session.format(result, Converter.INSPECT));
                    }
                } catch (Exception e) {
                    status = 1;
                    out.println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                }
                out.flush();
                byte[] bytes = buffer.toByteArray();
                ByteBuffer frame = ByteBuffer.allocate(8 + bytes.length).putInt(status).putInt(bytes.length).put(bytes);
                frame.flip();
                while (frame.hasRemaining()) {
                    client.write(frame);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "console client went away: " + e.getMessage());
        } finally {
            clients.remove(client);
        }
    }

    @Deactivate
    void close() throws IOException {
        if (server == null) {
            return;
        }
        server.close();
        for (SocketChannel c : clients) {
            c.close();
        }
        Files.deleteIfExists(socket);
    }
}
