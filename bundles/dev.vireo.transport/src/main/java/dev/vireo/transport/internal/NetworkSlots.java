package dev.vireo.transport.internal;

import dev.vireo.api.time.TaskScheduler;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The network namespaces of one transport that reaches its containers over TCP ({@code http}, {@code openwhisk}): a
 * {@link NetworkPool} named with a tag of the worker instance and the transport, the slots handed out found again by
 * their namespace path, and everything removed at close. Needs root; without it, a binding says so.
 *
 * <p>Across restarts: each slot handed to a container is written down ({@code <run dir>/netns-<transport>/<container>}
 * names its namespace). What a crashed run of the same instance left is taken over at construction (bind waits for
 * it): namespaces never handed out go back among the ready ones, those of containers wait for {@link #rebind} (the
 * worker takes the container back) until {@link #reclaim} removes the rest (the worker takes nothing back any more, or
 * {@link #UNCLAIMED} after the start at the latest).
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

    /** How long after the start a crashed run's namespaces wait for their containers to be taken back, at most. */
    static final java.time.Duration UNCLAIMED = java.time.Duration.ofMinutes(2);

    private final String transport;
    private final NetworkPool pool;
    /** Slots handed out, by namespace path. */
    private final Map<String, NetworkPool.Slot> slots = new ConcurrentHashMap<>();
    /** The container each slot handed out was bound for, by namespace path. */
    private final Map<String, String> containers = new ConcurrentHashMap<>();
    /** A crashed run's slots of containers, by container id, until rebound or reclaimed. */
    private final Map<String, NetworkPool.Slot> unclaimed = new ConcurrentHashMap<>();
    /** Slots handed out again by {@link #rebind}, by namespace path: their container may still run when released. */
    private final java.util.Set<String> rebound = ConcurrentHashMap.newKeySet();
    /** Where each slot handed out is written down, by container id. */
    private final java.nio.file.Path records;
    private final CompletableFuture<Void> recovered;

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
        this.records = ContainerDirs.underRunDir(runDir, "netns-" + transport);
        this.recovered = !isRoot() ? CompletableFuture.completedFuture(null) : scheduler.supply(() -> {
            recover();
            return null;
        });
        if (isRoot()) {
            scheduler.schedule(this::reclaim, UNCLAIMED);
        }
    }

    /** Takes over what a crashed run left: never-used namespaces are ready again, containers' ones wait for rebind. */
    private void recover() {
        Map<String, NetworkPool.Slot> found = pool.recover();
        Map<String, String> owners = new java.util.HashMap<>(); // namespace -> container
        boolean read = true;
        try {
            java.nio.file.Files.createDirectories(records);
            try (var files = java.nio.file.Files.list(records)) {
                for (java.nio.file.Path f : files.toList()) {
                    String ns = java.nio.file.Files.readString(f).trim();
                    if (found.containsKey(ns)) {
                        owners.put(ns, f.getFileName().toString());
                    } else {
                        java.nio.file.Files.deleteIfExists(f); // its namespace is gone
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            read = false;
            LOG.log(System.Logger.Level.WARNING, "cannot read " + records + " (" + e.getMessage() + "): the "
                    + transport + " transport takes no container back");
        }
        boolean all = read;
        found.forEach((ns, slot) -> {
            String container = owners.get(ns);
            if (container != null && all) {
                unclaimed.put(container, slot);
            } else if (container == null && all) {
                pool.offer(slot); // never handed out: ready again
            } else { // which is whose is not known: none is used again, all go at the reclaim
                unclaimed.put("?" + ns, slot);
            }
        });
        if (!found.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "took over " + found.size() + " network namespaces a crashed run left ("
                    + transport + " transport): " + unclaimed.size() + " of containers wait to be taken back");
        }
    }

    /** The slot of a container a crashed run left, if it has one: handed out again to it. */
    java.util.Optional<NetworkPool.Slot> rebind(String containerId) {
        if (!isRoot()) {
            return java.util.Optional.empty();
        }
        recovered.join();
        NetworkPool.Slot slot = unclaimed.remove(containerId);
        if (slot != null) {
            slots.put(slot.path(), slot);
            containers.put(slot.path(), containerId);
            rebound.add(slot.path());
        }
        return java.util.Optional.ofNullable(slot);
    }

    /**
     * Removes the crashed run's namespaces no container was rebound to, but one a process still runs in (its container
     * was not removed): its address is never handed out while it is in use; it stays for a later reclaim or the close.
     */
    void reclaim() {
        if (!isRoot()) {
            return;
        }
        recovered.join();
        int removed = 0;
        for (String id : List.copyOf(unclaimed.keySet())) {
            NetworkPool.Slot slot = unclaimed.get(id);
            if (slot != null && !pool.inUse(slot) && unclaimed.remove(id, slot)) {
                forget(id);
                pool.release(slot);
                removed++;
            }
        }
        if (removed > 0) {
            LOG.log(System.Logger.Level.INFO, "removed " + removed + " network namespaces of containers a crashed run"
                    + " left (" + transport + " transport)");
        }
    }

    private void forget(String containerId) {
        try {
            java.nio.file.Files.deleteIfExists(records.resolve(containerId));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + records.resolve(containerId) + ": " + e.getMessage());
        }
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

    /** A namespace for a new container {@code containerId}, once a crashed run's are taken over; written down. */
    NetworkPool.Slot take(String containerId) throws IOException {
        if (!isRoot()) {
            throw new IOException("the " + transport + " transport needs root to create network namespaces and bridges;"
                    + " use the uds or pipe transport, or run the worker as root");
        }
        recovered.join();
        NetworkPool.Slot slot = pool.take();
        try {
            java.nio.file.Files.createDirectories(records);
            java.nio.file.Files.writeString(records.resolve(containerId), slot.name() + "\n");
        } catch (IOException | RuntimeException e) {
            pool.release(slot);
            throw new IOException("cannot write down the network namespace of " + containerId + " in " + records + ": "
                    + e.getMessage(), e);
        }
        slots.put(slot.path(), slot);
        containers.put(slot.path(), containerId);
        return slot;
    }

    /** Frees the namespace at {@code path}; nothing if it is not one of ours (or freed already). */
    void release(String path) {
        NetworkPool.Slot slot = slots.remove(path);
        if (slot != null && rebound.remove(path) && pool.inUse(slot)) {
            // a container taken back whose take-back failed may still run in it: freed at the reclaim, once it is gone
            String containerId = containers.remove(path);
            unclaimed.put(containerId == null ? "?" + slot.name() : containerId, slot);
            return;
        }
        if (slot != null) {
            String containerId = containers.remove(path);
            if (containerId != null) {
                forget(containerId);
            }
            pool.release(slot);
        }
    }

    /** Removes every namespace and bridge of this transport and instance, and what was written down of them. */
    void close() {
        if (isRoot()) {
            recovered.join();
            pool.close();
            unclaimed.clear();
            containers.values().forEach(this::forget);
            containers.clear();
        }
    }
}
