package dev.vireo.loadgen;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.vireo.api.worker.NodeSettings;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the system a live run ran against was running with ({@link NodeSettings}: the target's configuration and, for
 * a controller, each worker's), kept beside the records as {@value #FILE} so the run can be reproduced in simulation
 * ({@code vireo sim --like RUN}).
 */
public final class RunSettings {
    /** The file in a results folder. */
    public static final String FILE = "settings.json";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private RunSettings() {
    }

    /**
     * The target's settings now; where it cannot tell (an older node, a worker that did not answer), empty, with why
     * in the run's metadata ({@code settings_error}) and on standard error.
     */
    public static Optional<NodeSettings> capture(WorkerService target, RunMetadata meta) {
        try {
            NodeSettings s = target.settings();
            meta.put("target_role", s.role());
            meta.put("target_workers", s.role().equals("controller") ? s.workers().size() : 1);
            // the policies in force as it began, as a simulation's run says them (the exported rows' policy_ columns):
            // the controller's balancer and its first worker's queue, keep-alive and trackers
            com.google.gson.JsonObject policies = new com.google.gson.JsonObject();
            java.util.Map<String, String> node = s.role().equals("controller") && !s.workers().isEmpty()
                    ? s.workers().get(0).policies() : s.policies();
            for (String point : java.util.List.of("queue", "keepalive", "resource")) {
                if (node.containsKey(point)) {
                    policies.addProperty(point, node.get(point));
                }
            }
            if (s.policies().containsKey("balancer")) {
                policies.addProperty("balancer", s.policies().get("balancer"));
            }
            meta.put("policies", policies);
            return Optional.of(s);
        } catch (WorkerException e) {
            meta.put("settings_error", e.getMessage());
            System.err.println("note: the target did not report its settings (" + e.getMessage() + "): this run cannot"
                    + " be reproduced with vireo sim --like");
            return Optional.empty();
        }
    }

    /**
     * The containers each function had in the target as the run began ({@code warm_at_start} in the run's metadata:
     * what an earlier run left warm), so that its simulation can start from the same state; where the target does not
     * answer, nothing (a note on standard error).
     */
    public static void warmAtStart(WorkerService target, RunMetadata meta) {
        try {
            com.google.gson.JsonObject warm = new com.google.gson.JsonObject();
            new java.util.TreeMap<>(target.status().stats()).forEach((id, stats) -> {
                if (stats.containers() > 0) {
                    warm.addProperty(id, stats.containers());
                }
            });
            meta.put("warm_at_start", warm);
        } catch (WorkerException e) {
            System.err.println("note: the target did not report its status (" + e.getMessage() + "): its warm"
                    + " containers at the start are unknown");
        }
    }

    public static void write(Path dir, NodeSettings settings) throws IOException {
        Files.writeString(dir.resolve(FILE), GSON.toJson(settings) + "\n");
    }

    /** The settings stored with run {@code dir}; a clear error where there are none or they do not parse. */
    public static NodeSettings read(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException(dir + " has no " + FILE + ": it is not a live run, or its target did not"
                    + " report its settings (see settings_error in its summary.json)");
        }
        String text = Files.readString(f);
        try {
            NodeSettings s = GSON.fromJson(text, NodeSettings.class);
            if (s == null) {
                throw new JsonParseException("the file is empty");
            }
            return s;
        } catch (RuntimeException e) {
            // Gson wraps what the record's constructor throws (a missing node, role, key or value) in its own
            Throwable why = e.getCause() != null && e.getCause() != e ? e.getCause() : e;
            throw new IllegalArgumentException(f + " is not a node's settings: " + why.getMessage(), e);
        }
    }
}
