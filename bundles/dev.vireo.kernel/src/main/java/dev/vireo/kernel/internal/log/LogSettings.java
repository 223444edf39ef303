package dev.vireo.kernel.internal.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The node's logs (configuration {@code vireo.log}): text or JSON lines ({@link JsonLogFormatter}), to the process's
 * output (the instance's {@code vireo.log}) or to a file of its own rotated by size, and a level per logger (package)
 * that the console's {@code vireo:log} changes while the node runs. Applied to java.util.logging, where System.Logger
 * writes in the framework; a reconfiguration applies at once. Text to the process's output (the default) leaves the
 * launcher's handler as it is; otherwise the console handlers are replaced by this one, and other handlers (the
 * simulation's log of a run) stay. The levels set are kept here (java.util.logging holds
 * loggers weakly: a level set on one nobody holds would be forgotten).
 */
@Component(service = LogSettings.class, immediate = true, configurationPid = LogSettings.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = LogSettings.Config.class)
public final class LogSettings {
    static final String PID = "vireo.log";

    @ObjectClassDefinition(name = "Vireo logs", description = "Format, file, rotation and levels of the node's log.")
    public @interface Config {
        @AttributeDefinition(name = "Format", description = "text (one line per record: time, level, logger,"
                + " message) or json (one JSON object per line: ts, level, logger, tid, msg, thrown).",
                options = {@org.osgi.service.metatype.annotations.Option(value = "text"),
                    @org.osgi.service.metatype.annotations.Option(value = "json")})
        String format() default "text";

        @AttributeDefinition(name = "File", description = "Write the log to this file, rotated by size (FILE.0 the"
                + " current one, FILE.1 the one before, ...); empty: to the process's output (run/NAME/vireo.log when"
                + " started in the background).")
        String file() default "";

        @AttributeDefinition(name = "Rotate at (bytes)", description = "Size in bytes at which the file is rotated.",
                min = "1024")
        long max_bytes() default 50L * 1024 * 1024;

        @AttributeDefinition(name = "Files kept", description = "Rotated files kept, the current one included.",
                min = "1", max = "100")
        int files() default 5;

        @AttributeDefinition(name = "Levels", description = "Comma-separated logger=LEVEL (SEVERE, WARNING, INFO, FINE,"
                + " ALL, OFF; or ERROR, WARN, DEBUG, TRACE), e.g. dev.vireo.worker=FINE; empty: INFO everywhere.")
        String levels() default "";
    }

    private final Logger root = Logger.getLogger("");
    /** The loggers whose level was set, held so the level stays. */
    private final Map<String, Logger> set = new LinkedHashMap<>();
    private Handler handler;
    private Handler[] replaced = new Handler[0];

    @Activate
    public LogSettings(Config config) throws IOException {
        apply(config);
    }

    @Modified
    void modified(Config config) throws IOException {
        apply(config);
    }

    @Deactivate
    synchronized void close() {
        restore();
    }

    private synchronized void apply(Config config) throws IOException {
        if (!config.format().equals("text") && !config.format().equals("json")) {
            throw new IllegalArgumentException("format '" + config.format() + "' is not text or json");
        }
        Map<String, Level> levels = parse(config.levels());
        restore();
        new java.util.ArrayList<>(set.keySet()).forEach(name -> level(name, null));
        levels.forEach(this::level);
        if (config.format().equals("text") && config.file().isBlank()) {
            return; // the launcher's own: text lines on the process's output (distro/logging.properties)
        }
        Handler next;
        if (config.file().isBlank()) {
            next = new java.util.logging.ConsoleHandler();
        } else {
            Path file = Path.of(config.file()).toAbsolutePath();
            Files.createDirectories(file.getParent());
            next = new FileHandler(file.toString().replace("%", "%%"), rotationLimit(config.max_bytes()),
                    config.files(), true);
        }
        next.setLevel(Level.ALL);
        next.setFormatter(config.format().equals("json") ? new JsonLogFormatter() : new SimpleFormatter());
        // only the console handlers are replaced: a handler someone else added (the simulation's log of the run, a
        // test's) stays; java.util.logging's root is the JVM's, shared by every node a simulation runs
        replaced = java.util.Arrays.stream(root.getHandlers())
                .filter(h -> h instanceof java.util.logging.ConsoleHandler).toArray(Handler[]::new);
        for (Handler h : replaced) {
            root.removeHandler(h);
        }
        root.addHandler(next);
        handler = next;
    }

    private static int rotationLimit(long bytes) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1024, bytes));
    }

    /** Puts back the handlers this replaced. */
    private void restore() {
        if (handler != null) {
            root.removeHandler(handler);
            handler.close();
            handler = null;
            for (Handler h : replaced) {
                root.addHandler(h);
            }
        }
    }

    /** Sets a logger's level (the root's for "" or "root"); {@code null} level: back to its parent's (the root: INFO). */
    synchronized void level(String logger, Level level) {
        String name = logger.equals("root") ? "" : logger;
        Logger l = Logger.getLogger(name);
        l.setLevel(level == null && name.isEmpty() ? Level.INFO : level);
        if (level == null) {
            set.remove(name);
        } else {
            set.put(name, l);
        }
    }

    /** The levels set, by logger ("" is the root). */
    synchronized Map<String, String> levels() {
        Map<String, String> out = new TreeMap<>();
        out.put("", String.valueOf(root.getLevel()));
        set.forEach((k, v) -> out.put(k, String.valueOf(v.getLevel())));
        return out;
    }

    /** A level by its java.util.logging name or its System.Logger one (ERROR, WARN, DEBUG, TRACE). */
    static Level level(String name) {
        return switch (name.trim().toUpperCase(java.util.Locale.ROOT)) {
            case "ERROR" -> Level.SEVERE;
            case "WARN" -> Level.WARNING;
            case "DEBUG" -> Level.FINE;
            case "TRACE" -> Level.FINEST;
            default -> {
                try {
                    yield Level.parse(name.trim().toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("level '" + name.trim() + "' is not one of SEVERE, WARNING,"
                            + " INFO, CONFIG, FINE, FINER, FINEST, ALL, OFF, ERROR, WARN, DEBUG, TRACE");
                }
            }
        };
    }

    static Map<String, Level> parse(String levels) {
        Map<String, Level> out = new LinkedHashMap<>();
        for (String part : levels.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("levels: '" + part.trim() + "' is not logger=LEVEL");
            }
            out.put(part.substring(0, eq).trim(), level(part.substring(eq + 1)));
        }
        return out;
    }
}
