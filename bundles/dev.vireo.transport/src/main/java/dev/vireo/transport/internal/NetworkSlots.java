package dev.vireo.transport.internal;

import dev.vireo.api.time.TaskScheduler;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The network namespaces of one transport that reaches its containers over TCP ({@code http}, {@code openwhisk}): a
 * {@link NetworkPool} named with a tag of the worker instance and the transport, what a crashed run of the same
 * instance left removed first (bind waits for it), the slots handed out found again by their namespace path, and
 * everything removed at close. Needs root; without it, a binding says so.
 */
final class NetworkSlots {
    private static final System.Logger LOG = System.getLogger(NetworkSlots.class.getName());

    /** What the transport's configuration says about its networks. */
    record Settings(String subnetBase, int portsPerBridge, int maxBridges, int poolSize) {
        /** The message naming the ranges, for a transport's validation. */
        static final String RANGES = "ports.per.bridge 1..1021, max.bridges 1..64, pool.size >= 0";

        boolean valid() {
            return portsPerBridge >= 1 && portsPerBridge <= 1021 && maxBridges >= 1 && maxBridges <= 64 && poolSize >= 0;
        }
    }

    private final String transport;
    private final NetworkPool pool;
    private final Map<String, NetworkPool.Slot> slots = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> reclaimed;

    /**
     * @param transport the transport's name: in messages, and (but for {@code http}, whose tag predates it) in the tag
     * @param runDir    the worker instance's run folder ({@code vireo.run.dir}), or null
     */
    NetworkSlots(String transport, String runDir, TaskScheduler scheduler, Settings settings) {
        this.transport = transport;
        String run = runDir == null ? "" : runDir;
        this.pool = new NetworkPool(scheduler, tag(transport.equals("http") ? run : run + "#" + transport),
                parseBase(settings.subnetBase()), settings.portsPerBridge(), settings.maxBridges(), settings.poolSize(),
                "vireo.transport." + transport);
        this.reclaimed = !isRoot() ? CompletableFuture.completedFuture(null) : scheduler.supply(() -> {
            int n = pool.removeAll();
            if (n > 0) {
                LOG.log(System.Logger.Level.INFO, "removed " + n + " network namespaces and bridges a crashed run left"
                        + " (" + transport + " transport)");
            }
            return null;
        });
    }

    /** Six hex digits: one tag per worker instance (and transport), stable across its restarts. */
    static String tag(String key) {
        return String.format(Locale.ROOT, "%06x", key.hashCode() & 0xffffff);
    }

    static int parseBase(String dotted) {
        String[] p = dotted.trim().split("\\.");
        if (p.length != 4) {
            throw new IllegalArgumentException("subnet.base must be an IPv4 address, got '" + dotted + "'");
        }
        int v = 0;
        for (String part : p) {
            int octet;
            try {
                octet = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                octet = -1;
            }
            if (octet < 0 || octet > 255) {
                throw new IllegalArgumentException("subnet.base must be an IPv4 address, got '" + dotted + "'");
            }
            v = (v << 8) | octet;
        }
        if ((v & 1023) != 0) {
            throw new IllegalArgumentException("subnet.base must start a /22 (a multiple of 1,024), got " + dotted);
        }
        return v;
    }

    static boolean isRoot() {
        return "root".equals(ProcessHandle.current().info().user().orElse(""));
    }

    /** A namespace for a new container, once a crashed run's leftovers are gone. */
    NetworkPool.Slot take() throws IOException {
        if (!isRoot()) {
            throw new IOException("the " + transport + " transport needs root to create network namespaces and bridges;"
                    + " use the uds or pipe transport, or run the worker as root");
        }
        reclaimed.join();
        NetworkPool.Slot slot = pool.take();
        slots.put(slot.path(), slot);
        return slot;
    }

    /** Frees the namespace at {@code path}; nothing if it is not one of ours (or freed already). */
    void release(String path) {
        NetworkPool.Slot slot = slots.remove(path);
        if (slot != null) {
            pool.release(slot);
        }
    }

    /** Removes every namespace and bridge of this transport and instance. */
    void close() {
        if (isRoot()) {
            reclaimed.join();
            pool.close();
        }
    }
}
