package dev.vireo.transport.internal;

import dev.vireo.api.time.TaskScheduler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces for containers behind Linux bridges. Each namespace holds one veth end (renamed eth0) with an
 * address on a bridge's subnet; the host end is a port of that bridge. A bridge takes at most 1,024 ports, so the
 * pool spreads namespaces over several bridges, one /22 each ({@code 10.B.(4*k).0/22} from the configured base).
 * Namespaces are made ahead of need (a pool) so a cold start does not wait for them; every name carries this
 * instance's tag, so what a crashed run left is found and removed at the next start.
 */
final class NetworkPool {
    private static final System.Logger LOG = System.getLogger(NetworkPool.class.getName());
    static final int PORTS_LIMIT = 1_023;

    /** One prepared namespace: its name, its path for the OCI spec, the address of its eth0. */
    record Slot(String name, String path, String address, int bridge, int host) {
    }

    private final TaskScheduler scheduler;
    private final String pid;
    private final String tag;
    private final int base;
    private final int portsPerBridge;
    private final int maxBridges;
    private final int poolSize;
    private final Deque<Slot> ready = new ArrayDeque<>();
    private final List<BitSet> used = new ArrayList<>();
    /** The /22 block (counted from the base) each bridge serves: the first blocks no other interface routes. */
    private final List<Integer> blocks = new ArrayList<>();
    private long sequence;
    private boolean refilling;
    private boolean closed;

    /** @param pid the configuration that sizes the pool, for messages */
    NetworkPool(TaskScheduler scheduler, String tag, int base, int portsPerBridge, int maxBridges, int poolSize,
            String pid) {
        this.pid = pid;
        this.scheduler = scheduler;
        this.tag = tag;
        this.base = base;
        this.portsPerBridge = portsPerBridge;
        this.maxBridges = maxBridges;
        this.poolSize = poolSize;
    }

    String bridgeName(int b) {
        return "vb" + tag + "-" + b;
    }

    /** A prepared namespace, from the pool when one is ready; the pool then refills in the background. */
    Slot take() throws IOException {
        Slot slot;
        synchronized (this) {
            if (closed) {
                throw new IOException("the transport is stopping");
            }
            slot = ready.pollFirst();
        }
        if (slot == null) {
            slot = create();
        }
        refillLater();
        return slot;
    }

    private void refillLater() {
        synchronized (this) {
            if (refilling || closed || ready.size() >= poolSize) {
                return;
            }
            refilling = true;
        }
        scheduler.execute(() -> {
            try {
                while (true) {
                    synchronized (this) {
                        if (closed || ready.size() >= poolSize) {
                            return;
                        }
                    }
                    Slot s = create();
                    boolean keep;
                    synchronized (this) {
                        keep = !closed;
                        if (keep) {
                            ready.addLast(s);
                        }
                    }
                    if (!keep) {
                        release(s);
                        return;
                    }
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot pre-create a network namespace: " + e.getMessage());
            } finally {
                synchronized (this) {
                    refilling = false;
                    notifyAll();
                }
            }
        });
    }

    /** Makes a namespace with its veth on the first bridge with a free port (making that bridge if needed). */
    private Slot create() throws IOException {
        int bridge = -1;
        int host = -1;
        long n;
        boolean newBridge = false;
        synchronized (this) {
            for (int b = 0; b < used.size() && bridge < 0; b++) {
                int h = used.get(b).nextClearBit(2);
                if (h < portsPerBridge + 2) {
                    bridge = b;
                    host = h;
                }
            }
            if (bridge < 0) {
                if (used.size() >= maxBridges) {
                    throw new IOException("all " + maxBridges + " bridges of " + portsPerBridge
                            + " ports are full: raise max.bridges in " + pid);
                }
                int block = freeBlock(blocks.isEmpty() ? 0 : blocks.get(blocks.size() - 1) + 1);
                bridge = used.size();
                used.add(new BitSet());
                blocks.add(block);
                host = 2;
                newBridge = true;
            }
            used.get(bridge).set(host);
            n = sequence++;
        }
        String name = "vireo-" + tag + "-" + n;
        String veth = "vh" + tag + "-" + n;
        String peer = "vc" + tag + "-" + n;
        String address = address(bridge, host);
        try {
            if (newBridge) {
                String br = bridgeName(bridge);
                ip(null, "link add " + br + " type bridge\n"
                        + "addr add " + address(bridge, 1) + "/22 dev " + br + "\n"
                        + "link set " + br + " up\n");
            }
            ip(null, "netns add " + name + "\n"
                    + "link add " + veth + " type veth peer name " + peer + "\n"
                    + "link set " + peer + " netns " + name + "\n"
                    + "link set " + veth + " master " + bridgeName(bridge) + " up\n");
            ip(name, "link set lo up\n"
                    + "link set " + peer + " name eth0\n"
                    + "addr add " + address + "/22 dev eth0\n"
                    + "link set eth0 up\n");
        } catch (IOException e) {
            quietly(() -> ip(null, "netns del " + name + "\n"));
            synchronized (this) {
                used.get(bridge).clear(host);
            }
            throw e;
        }
        return new Slot(name, "/var/run/netns/" + name, address, bridge, host);
    }

    /**
     * The first /22 block from {@code from} on that no interface of the host routes already (another worker on this
     * host, or anything else), so two instances never share a subnet.
     */
    private int freeBlock(int from) throws IOException {
        String routes = run(List.of("ip", "-4", "route", "show"), null);
        for (int block = from; block < from + 256; block++) {
            String prefix = dotted(base + block * 1024) + "/22";
            if (!routes.contains(prefix + " ")) {
                return block;
            }
        }
        throw new IOException("no free /22 subnet from " + dotted(base) + " on: every block is routed already");
    }

    private String address(int bridge, int host) {
        return dotted(base + blocks.get(bridge) * 1024 + host);
    }

    private static String dotted(int value) {
        return ((value >>> 24) & 255) + "." + ((value >>> 16) & 255) + "." + ((value >>> 8) & 255) + "." + (value & 255);
    }

    /** Deletes a namespace (its veth goes with it) and frees its port. */
    void release(Slot slot) {
        quietly(() -> ip(null, "netns del " + slot.name() + "\n"));
        synchronized (this) {
            if (slot.bridge() < used.size()) {
                used.get(slot.bridge()).clear(slot.host());
            }
        }
    }

    /** What a crashed run left, read back: each bridge's /22 block (by bridge index), its namespaces, the next number. */
    record Layout(List<Integer> blocks, Map<String, Slot> slots, List<String> broken, long next) {
    }

    /**
     * Takes over the bridges and namespaces a crashed run of this instance left, as they are: the bridges keep their
     * subnets, the namespaces their addresses (their ports marked used), new namespaces are numbered after theirs; a
     * namespace without its address (half made) is deleted. Returns the namespaces by name, none in the pool's ready
     * ones yet. If what it finds cannot be read back consistently, it removes everything instead ({@link #removeAll})
     * and returns none.
     */
    Map<String, Slot> recover() {
        try {
            String names = run(List.of("ip", "netns", "list"), null);
            boolean any = names.lines().anyMatch(l -> l.trim().startsWith("vireo-" + tag + "-"));
            String bridges = run(List.of("ip", "-o", "-4", "addr", "show"), null);
            String eth0 = !any ? "" : run(List.of("ip", "-all", "netns", "exec", "ip", "-o", "-4", "addr", "show", "dev",
                    "eth0"), null);
            Layout layout = layout(tag, base, portsPerBridge, bridges, eth0);
            synchronized (this) {
                blocks.clear();
                used.clear();
                blocks.addAll(layout.blocks());
                layout.blocks().forEach(b -> used.add(new BitSet()));
                layout.slots().values().forEach(slot -> used.get(slot.bridge()).set(slot.host()));
                sequence = Math.max(sequence, layout.next());
            }
            if (!layout.broken().isEmpty()) {
                StringBuilder batch = new StringBuilder();
                layout.broken().forEach(ns -> batch.append("netns del ").append(ns).append('\n'));
                quietly(() -> ip(null, batch.toString()));
            }
            return layout.slots();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot take over the network namespaces a crashed run left ("
                    + e.getMessage() + "): removing them");
            removeAll();
            return Map.of();
        }
    }

    /**
     * Reads back the bridges ({@code vb<tag>-<index>}, from {@code ip -o -4 addr show}) and namespaces ({@code
     * vireo-<tag>-<n>}, from {@code ip -all netns exec ip -o -4 addr show dev eth0}) of this tag.
     *
     * @throws IllegalStateException if they do not fit together (a bridge index missing, a subnet off the base, an
     *                               address outside every bridge's subnet or its ports)
     */
    static Layout layout(String tag, int base, int portsPerBridge, String addresses, String eth0s) {
        java.util.TreeMap<Integer, Integer> byIndex = new java.util.TreeMap<>();
        for (String line : addresses.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 3 && f[1].startsWith("vb" + tag + "-") && f[2].equals("inet")) {
                int index = Integer.parseInt(f[1].substring(("vb" + tag + "-").length()));
                int offset = parse(f[3].split("/")[0]) - 1 - base;
                if (offset < 0 || offset % 1024 != 0) {
                    throw new IllegalStateException("bridge " + f[1] + " has " + f[3] + ", off subnet.base");
                }
                byIndex.put(index, offset / 1024);
            }
        }
        List<Integer> blocks = new ArrayList<>(byIndex.values());
        if (!byIndex.isEmpty() && byIndex.lastKey() != byIndex.size() - 1) {
            throw new IllegalStateException("bridges " + byIndex.keySet() + " are not numbered from 0 on");
        }
        Map<String, Slot> slots = new java.util.LinkedHashMap<>();
        List<String> seen = new ArrayList<>();
        long next = 0;
        String current = null;
        String prefix = "vireo-" + tag + "-";
        for (String line : eth0s.split("\n")) {
            String t = line.trim();
            if (t.startsWith("netns: ")) {
                current = t.substring("netns: ".length()).trim();
                if (current.startsWith(prefix)) {
                    seen.add(current);
                    next = Math.max(next, Long.parseLong(current.substring(prefix.length())) + 1);
                } else {
                    current = null;
                }
                continue;
            }
            String[] f = t.split("\\s+");
            if (current == null || f.length < 4 || !f[1].equals("eth0") || !f[2].equals("inet")) {
                continue;
            }
            int offset = parse(f[3].split("/")[0]) - base;
            int bridge = blocks.indexOf(Math.floorDiv(offset, 1024));
            int host = Math.floorMod(offset, 1024);
            if (offset < 0 || bridge < 0 || host < 2 || host >= portsPerBridge + 2) {
                throw new IllegalStateException("namespace " + current + " has " + f[3] + ", on no bridge's ports");
            }
            slots.put(current, new Slot(current, "/var/run/netns/" + current, f[3].split("/")[0], bridge, host));
        }
        List<String> broken = seen.stream().filter(n -> !slots.containsKey(n)).toList();
        return new Layout(blocks, slots, broken, next);
    }

    private static int parse(String dotted) {
        String[] p = dotted.split("\\.");
        if (p.length != 4) {
            throw new IllegalStateException("not an IPv4 address: " + dotted);
        }
        int v = 0;
        for (String part : p) {
            v = (v << 8) | Integer.parseInt(part);
        }
        return v;
    }

    /** Whether a process runs in the namespace (a container in it); true if that cannot be told. */
    boolean inUse(Slot slot) {
        try {
            return !run(List.of("ip", "netns", "pids", slot.name()), null).isBlank();
        } catch (IOException e) {
            return !e.getMessage().contains("No such file"); // gone already: not in use
        }
    }

    /** Puts a namespace made and never used (a crashed run's ready one) back among the ready ones. */
    synchronized void offer(Slot slot) {
        ready.addLast(slot);
    }

    /** Removes every namespace and bridge carrying this instance's tag: the pool's own, or a crashed run's. */
    int removeAll() {
        synchronized (this) {
            ready.clear();
        }
        int removed = 0;
        try {
            StringBuilder batch = new StringBuilder();
            for (String line : run(List.of("ip", "netns", "list"), null).split("\n")) {
                String ns = line.trim().split("\\s+")[0];
                if (ns.startsWith("vireo-" + tag + "-")) {
                    batch.append("netns del ").append(ns).append('\n');
                    removed++;
                }
            }
            for (String line : run(List.of("ip", "-o", "link", "show", "type", "bridge"), null).split("\n")) {
                String[] parts = line.split(":\\s+");
                if (parts.length > 1 && parts[1].startsWith("vb" + tag + "-")) {
                    batch.append("link del ").append(parts[1].split("@")[0]).append('\n');
                    removed++;
                }
            }
            if (batch.length() > 0) {
                ip(null, batch.toString());
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove network namespaces or bridges: " + e.getMessage());
        }
        synchronized (this) {
            used.clear();
            blocks.clear();
        }
        return removed;
    }

    /** Stops refilling, waits for a namespace being made, then removes everything of this instance. */
    void close() {
        synchronized (this) {
            closed = true;
            while (refilling) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        removeAll();
    }

    private static void ip(String namespace, String batch) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        if (namespace != null) {
            cmd.addAll(List.of("-n", namespace));
        }
        // -force: go on past a failing line (a namespace the worker removed meanwhile) instead of skipping the rest
        cmd.addAll(List.of("-force", "-batch", "-"));
        run(cmd, batch);
    }

    private static String run(List<String> command, String input) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command));
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + (input == null ? "" : " <<< " + input.strip().replace('\n', ';'))
                    + " failed: " + out.strip());
        }
        return out;
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void quietly(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
        }
    }
}
