package dev.vireo.dag.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.spi.dag.DagPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pre-schedules and the statistics they were made from, kept in a directory so that they outlive the node: a plan is
 * one file named by the SHA-256 of its {@link PlanCache#key key} (the key itself is inside and compared on reading),
 * and {@value #HISTORY} holds {@link History#snapshot()}. A restarted node reloads the history first, so the same
 * graph under the same statistics has the same key and finds its plan. At most {@link #MAX_PLANS} plan files are kept
 * (the least recently written go). Files are written to a temporary name and renamed, so a crash leaves the old file
 * or the new one, never half of one; an unreadable file is ignored (and replaced on the next save). {@link #none()}
 * keeps nothing. Thread-safe: every file is written whole by one rename.
 */
final class PlanArchive {
    static final String HISTORY = "history.json";
    static final int MAX_PLANS = 1024;
    private static final System.Logger LOG = System.getLogger(PlanArchive.class.getName());

    private final Path dir;
    private int saves;

    private PlanArchive(Path dir) {
        this.dir = dir;
    }

    /** Keeps nothing: every plan lives in memory only. */
    static PlanArchive none() {
        return new PlanArchive(null);
    }

    /** Keeps plans under {@code dir} (created when missing). */
    static PlanArchive in(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the plans directory " + dir + ": " + e.getMessage(), e);
        }
        return new PlanArchive(dir);
    }

    /** The directory, empty when plans are not kept. */
    Optional<Path> dir() {
        return Optional.ofNullable(dir);
    }

    /** The plan kept under the key, if any. */
    Optional<DagPlan> load(String key) {
        if (dir == null) {
            return Optional.empty();
        }
        Optional<String> text = read(dir.resolve(fileName(key)));
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            JsonObject o = JsonParser.parseString(text.get()).getAsJsonObject();
            if (!key.equals(o.get("key").getAsString())) {
                return Optional.empty();
            }
            List<DagPlan.Step> steps = new ArrayList<>();
            for (var e : o.getAsJsonArray("steps")) {
                JsonObject s = e.getAsJsonObject();
                steps.add(new DagPlan.Step(s.get("task").getAsString(), s.get("worker").getAsString(),
                        s.get("group").getAsString(), s.get("prewarm").getAsBoolean(), s.get("priority").getAsInt(),
                        s.get("start_us").getAsLong(), s.get("finish_us").getAsLong()));
            }
            return Optional.of(new DagPlan(o.get("dag").getAsString(), steps,
                    o.get("predicted_makespan_us").getAsLong()));
        } catch (RuntimeException e) { // not JSON, a field missing or of the wrong type: not this key's plan
            LOG.log(System.Logger.Level.WARNING, "ignoring unreadable pre-schedule " + dir.resolve(fileName(key)) + ": "
                    + e);
            return Optional.empty();
        }
    }

    /** Keeps the plan under the key (replacing one kept before). A failure to write is logged, never thrown. */
    void save(String key, DagPlan plan) {
        if (dir == null) {
            return;
        }
        JsonObject o = new JsonObject();
        o.addProperty("key", key);
        o.addProperty("dag", plan.dag());
        o.addProperty("predicted_makespan_us", plan.predictedMakespanUs());
        JsonArray steps = new JsonArray();
        for (DagPlan.Step s : plan.steps()) {
            JsonObject j = new JsonObject();
            j.addProperty("task", s.taskId());
            j.addProperty("worker", s.worker());
            j.addProperty("group", s.group());
            j.addProperty("prewarm", s.prewarm());
            j.addProperty("priority", s.priority());
            j.addProperty("start_us", s.startUs());
            j.addProperty("finish_us", s.finishUs());
            steps.add(j);
        }
        o.add("steps", steps);
        write(fileName(key), o.toString());
        boolean prune;
        synchronized (this) {
            prune = ++saves % 64 == 0;
        }
        if (prune) {
            prune();
        }
    }

    /** The statistics kept by {@link #history(String)}, if any. */
    Optional<String> history() {
        return dir == null ? Optional.empty() : read(dir.resolve(HISTORY));
    }

    /** Keeps the statistics (a {@link History#snapshot()}). */
    void history(String snapshot) {
        if (dir != null) {
            write(HISTORY, snapshot);
        }
    }

    /** How many plans are kept now. */
    int plans() {
        return plansByAge().size();
    }

    private void prune() {
        List<Path> all = plansByAge();
        for (int i = 0; i < all.size() - MAX_PLANS; i++) {
            try {
                Files.deleteIfExists(all.get(i));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove old pre-schedule " + all.get(i) + ": " + e);
            }
        }
    }

    /** Plan files, least recently written first. */
    private List<Path> plansByAge() {
        if (dir == null) {
            return List.of();
        }
        List<Map.Entry<Path, FileTime>> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "plan-*.json")) {
            for (Path p : s) {
                try {
                    files.add(Map.entry(p, Files.getLastModifiedTime(p)));
                } catch (IOException gone) {
                    // removed meanwhile
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        files.sort(Map.Entry.comparingByValue(Comparator.naturalOrder()));
        return files.stream().map(Map.Entry::getKey).toList();
    }

    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read " + file + ": " + e);
            return Optional.empty();
        }
    }

    private void write(String name, String text) {
        Path target = dir.resolve(name);
        try {
            Path tmp = Files.createTempFile(dir, ".tmp-", ".json");
            try {
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot write " + target + ": " + e);
        }
    }

    static String fileName(String key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "plan-" + HexFormat.of().formatHex(d, 0, 16) + ".json";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
