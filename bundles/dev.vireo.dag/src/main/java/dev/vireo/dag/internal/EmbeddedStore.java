package dev.vireo.dag.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.dag.DagStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The embedded workflow store: runs in this worker's memory (counters as atomics, sets of settled tasks), so a
 * continuation costs no round trip. Outputs past {@code memory.bytes} in all are spilled to files of their own under
 * the spill folder and read back when asked for. Gone with the worker: a run it held cannot be resumed after a
 * restart (use a shared store for that).
 *
 * <p>Thread-safe: every operation is one atomic step on a concurrent structure.
 */
@Component(service = DagStore.class, configurationPid = "vireo.dag.store.embedded")
@Designate(ocd = EmbeddedStore.Config.class)
@PluginName("embedded")
@PluginDescription("workflow state in this worker's memory (outputs spill to disk past a bound)")
public final class EmbeddedStore implements DagStore {
    private static final System.Logger LOG = System.getLogger(EmbeddedStore.class.getName());

    @ObjectClassDefinition(name = "Vireo embedded workflow store", description = "Workflow state in the worker's memory.")
    public @interface Config {
        @AttributeDefinition(name = "Memory (bytes)", description = "Outputs kept in memory, in bytes in all; past it, outputs are written to the spill folder.", min = "0")
        long memory_bytes() default 256L * 1024 * 1024;

        @AttributeDefinition(name = "Spill folder", description = "Where outputs past memory.bytes go; empty = <vireo.run.dir>/dag-spill (else the temp folder).")
        String spill_dir() default "";
    }

    /** One run: spec, meta, counters, settled tasks, outputs (text in memory, or a spill file), records. */
    private static final class RunData {
        final long created;
        final String spec;
        final AtomicReference<String> meta;
        final Map<String, AtomicLong> pending = new ConcurrentHashMap<>();
        final AtomicLong remaining;
        final Set<String> settled = ConcurrentHashMap.newKeySet();
        final Map<String, Object> outputs = new ConcurrentHashMap<>();
        final Map<String, String> records = new ConcurrentHashMap<>();
        final AtomicReference<String> finished = new AtomicReference<>();
        final AtomicReference<String> plan = new AtomicReference<>();

        RunData(long created, String spec, String meta, Map<String, Integer> pending, int remaining) {
            this.created = created;
            this.spec = spec;
            this.meta = new AtomicReference<>(meta);
            pending.forEach((k, v) -> this.pending.put(k, new AtomicLong(v)));
            this.remaining = new AtomicLong(remaining);
        }
    }

    private final Map<String, RunData> runs = new ConcurrentHashMap<>();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong inMemory = new AtomicLong();
    private final long memoryBytes;
    private final Path spill;

    @Activate
    public EmbeddedStore(BundleContext context, Config config) {
        this(config.memory_bytes(), config.spill_dir().isBlank()
                ? Path.of(Optional.ofNullable(context.getProperty("vireo.run.dir"))
                        .orElse(System.getProperty("java.io.tmpdir")), "dag-spill")
                : Path.of(config.spill_dir()));
    }

    EmbeddedStore(long memoryBytes, Path spill) {
        if (memoryBytes < 0) {
            throw new IllegalArgumentException("memory.bytes must be at least 0");
        }
        this.memoryBytes = memoryBytes;
        this.spill = spill;
    }

    @Deactivate
    void close() {
        runs.keySet().forEach(this::delete);
    }

    private RunData data(String run) {
        RunData d = runs.get(run);
        if (d == null) {
            throw new IllegalArgumentException("no run '" + run + "' in the embedded store");
        }
        return d;
    }

    @Override
    public void create(String run, String spec, String meta, Map<String, Integer> pending, int remaining) {
        if (runs.putIfAbsent(run, new RunData(created.incrementAndGet(), spec, meta, pending, remaining)) != null) {
            throw new IllegalArgumentException("run '" + run + "' exists");
        }
    }

    @Override
    public Optional<String> spec(String run) {
        return Optional.ofNullable(runs.get(run)).map(d -> d.spec);
    }

    @Override
    public Optional<String> meta(String run) {
        return Optional.ofNullable(runs.get(run)).map(d -> d.meta.get());
    }

    @Override
    public void meta(String run, String meta) {
        data(run).meta.set(meta);
    }

    @Override
    public void plan(String run, String plan) {
        data(run).plan.set(plan);
    }

    @Override
    public Optional<String> plan(String run) {
        return Optional.ofNullable(runs.get(run)).map(d -> d.plan.get());
    }

    @Override
    public boolean settle(String run, String task, String output) {
        RunData d = data(run);
        if (!d.settled.add(task)) {
            return false;
        }
        if (output != null) {
            d.outputs.put(task, keep(run, task, output));
        }
        return true;
    }

    /** The output as text while memory allows, else written to its own file (the path is kept). */
    private Object keep(String run, String task, String output) {
        long bytes = (long) output.length() * 2;
        if (inMemory.addAndGet(bytes) <= memoryBytes) {
            return output;
        }
        inMemory.addAndGet(-bytes);
        try {
            Path dir = Files.createDirectories(spill.resolve(safe(run)));
            Path file = dir.resolve(safe(task) + ".json");
            Files.writeString(file, output, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "[" + run + "/" + task + "] cannot spill " + bytes / 2 + " characters to " + spill
                    + ", keeping them in memory: " + e.getMessage());
            inMemory.addAndGet(bytes);
            return output;
        }
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    @Override
    public boolean settled(String run, String task) {
        RunData d = runs.get(run);
        return d != null && d.settled.contains(task);
    }

    @Override
    public long release(String run, String task) {
        AtomicLong left = data(run).pending.get(task);
        if (left == null) {
            throw new IllegalArgumentException("run '" + run + "' has no task '" + task + "' waiting for inputs");
        }
        return left.decrementAndGet();
    }

    @Override
    public long finishTask(String run) {
        return data(run).remaining.decrementAndGet();
    }

    @Override
    public Map<String, String> outputs(String run, Collection<String> tasks) {
        RunData d = data(run);
        Map<String, String> out = new LinkedHashMap<>();
        for (String t : tasks) {
            Object o = d.outputs.get(t);
            if (o instanceof String s) {
                out.put(t, s);
            } else if (o instanceof Path p) {
                try {
                    out.put(t, Files.readString(p, StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the spilled output of " + run + "/" + t, e);
                }
            }
        }
        return out;
    }

    @Override
    public void dropOutputs(String run, Collection<String> tasks) {
        RunData d = runs.get(run);
        if (d != null) {
            tasks.forEach(t -> forget(d.outputs.remove(t)));
        }
    }

    private void forget(Object output) {
        if (output instanceof String s) {
            inMemory.addAndGet(-(long) s.length() * 2);
        } else if (output instanceof Path p) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot remove spilled output " + p + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void record(String run, String task, String record) {
        RunData d = data(run);
        synchronized (d.records) {
            d.records.put(task, record);
        }
    }

    @Override
    public boolean progress(String run, String task, String record) {
        RunData d = data(run);
        synchronized (d.records) {
            // settle adds to the set before the settler writes its final record, so a check under this lock, and
            // the final record's own write under it too, keep a progress record from landing after the final one
            if (d.settled.contains(task)) {
                return false;
            }
            d.records.put(task, record);
            return true;
        }
    }

    @Override
    public Map<String, String> records(String run) {
        return Map.copyOf(data(run).records);
    }

    @Override
    public String finish(String run, String state) {
        AtomicReference<String> f = data(run).finished;
        f.compareAndSet(null, state);
        return f.get();
    }

    @Override
    public Optional<String> finished(String run) {
        return Optional.ofNullable(runs.get(run)).map(d -> d.finished.get());
    }

    @Override
    public List<String> runs() {
        return runs.entrySet().stream().sorted(Comparator.comparingLong(
                (Map.Entry<String, RunData> e) -> e.getValue().created).reversed()).map(Map.Entry::getKey).toList();
    }

    @Override
    public void delete(String run) {
        RunData d = runs.remove(run);
        if (d == null) {
            return;
        }
        d.outputs.values().forEach(this::forget);
        try {
            Files.deleteIfExists(spill.resolve(safe(run)));
        } catch (IOException e) {
            // not empty or not there: spilled files were removed one by one above
        }
    }

    /** Output characters held in memory now (for tests and status). */
    long inMemoryBytes() {
        return inMemory.get();
    }
}
