package dev.vireo.cli.instance;

import dev.vireo.cli.CliException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/** Free TCP ports on the loopback, handed out once each (several instances are configured before any binds). */
public final class Ports {
    private final Set<Integer> given = new HashSet<>();
    private int next;

    public Ports(int from) {
        this.next = from;
    }

    public synchronized int next() {
        for (int tries = 0; tries < 1_000; tries++) {
            int p = next++;
            if (!given.contains(p) && free(p)) {
                given.add(p);
                return p;
            }
        }
        throw new CliException(CliException.FAILED, "no free port in " + (next - 1_000) + "-" + next);
    }

    static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
