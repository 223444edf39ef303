package dev.vireo.cli;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Attaches to a running Vireo's Gogo console over its Unix socket. With {@code -c COMMAND} (repeatable) it runs the
 * commands and exits; otherwise it reads commands from standard input, with a prompt on a terminal.
 *
 * <p>Exit codes: 0 all commands succeeded, 1 a command failed, 2 bad usage, 3 nothing is listening.
 */
public final class ConsoleClient {
    private ConsoleClient() {
    }

    /** Runs {@code commands} (or, when empty, reads commands from standard input) on the console at {@code socket}. */
    public static int run(Path socket, List<String> commands) throws IOException {
        if (!Files.exists(socket)) {
            System.err.println("vireo console: no Vireo is listening at " + socket + " (start one with ./vireo start)");
            return 3;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                System.err.println("vireo console: cannot connect to " + socket + ": " + e.getMessage()
                        + " (is Vireo running? ./vireo status)");
                return 3;
            }
            OutputStream out = Channels.newOutputStream(channel);
            DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
            int failures = 0;
            if (!commands.isEmpty()) {
                for (String c : commands) {
                    failures += send(c, out, in, System.out) ? 0 : 1;
                }
                return failures == 0 ? 0 : 1;
            }
            boolean tty = System.console() != null;
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                if (tty) {
                    System.out.print("vireo> ");
                    System.out.flush();
                }
                String line = stdin.readLine();
                if (line == null || line.trim().equals("exit") || line.trim().equals("quit")) {
                    return failures == 0 ? 0 : 1;
                }
                if (!line.isBlank()) {
                    failures += send(line, out, in, System.out) ? 0 : 1;
                }
            }
        }
    }

    /** Runs one command and returns what it printed (empty when it failed or nothing listens). */
    public static String capture(Path socket, String command) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            boolean ok = send(command, Channels.newOutputStream(channel),
                    new DataInputStream(Channels.newInputStream(channel)), new PrintStream(bytes, true, StandardCharsets.UTF_8));
            return ok ? bytes.toString(StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Sends one command and prints its output; true if it succeeded. */
    static boolean send(String command, OutputStream out, DataInputStream in, PrintStream print) throws IOException {
        out.write((command.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        int status = in.readInt();
        int length = in.readInt();
        byte[] body = in.readNBytes(length);
        PrintStream target = status == 0 ? print : System.err;
        target.print(new String(body, StandardCharsets.UTF_8));
        target.flush();
        return status == 0;
    }
}
