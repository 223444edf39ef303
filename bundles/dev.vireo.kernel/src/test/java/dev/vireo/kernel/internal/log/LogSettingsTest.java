package dev.vireo.kernel.internal.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.testkit.Components;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's log: JSON lines with the transaction id, rotation by size, levels changed at runtime. */
class LogSettingsTest {
    @TempDir
    Path dir;

    private static LogSettings.Config config(Map<String, Object> values) {
        return Components.config(LogSettings.Config.class, values);
    }

    @Test
    void jsonLinesCarryTheTransactionIdAndTheFileRotatesBySize() throws Exception {
        Path file = dir.resolve("logs/node.log");
        // a handler someone else put on the root (the simulation's log of a run) keeps its records
        List<String> other = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler theirs = new java.util.logging.Handler() {
            public void publish(java.util.logging.LogRecord r) {
                other.add(r.getMessage());
            }

            public void flush() {
            }

            public void close() {
            }
        };
        Logger.getLogger("").addHandler(theirs);
        LogSettings settings = new LogSettings(config(Map.of("format", "json", "file", file.toString(), "max_bytes",
                2048L, "files", 3)));
        Logger log = Logger.getLogger("dev.vireo.test.rotation");
        try {
            log.info("[w-1-7] invoked \"hello-1\"\n\tcold");
            log.log(Level.WARNING, "no tid here", new IllegalStateException("boom"));
            for (int i = 0; i < 200; i++) {
                log.info("[w-1-" + i + "] line " + i);
            }
        } finally {
            settings.close();
            Logger.getLogger("").removeHandler(theirs);
        }
        assertEquals(202, other.size(), "the other handler saw every record");
        List<Path> files;
        try (Stream<Path> s = Files.list(file.getParent())) {
            files = s.filter(p -> !p.toString().endsWith(".lck")).sorted().toList();
        }
        assertEquals(List.of("node.log.0", "node.log.1", "node.log.2"), files.stream().map(p -> p.getFileName()
                .toString()).toList(), "three files kept, the oldest dropped");
        for (Path p : files) {
            assertTrue(Files.size(p) <= 2048 + 512, p + ": " + Files.size(p) + " bytes, rotated at 2048");
            for (String line : Files.readAllLines(p)) {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject(); // every line one JSON object
                assertEquals("dev.vireo.test.rotation", o.get("logger").getAsString());
            }
        }
        JsonObject last = JsonParser.parseString(Files.readAllLines(files.get(0)).getLast()).getAsJsonObject();
        assertEquals("w-1-199", last.get("tid").getAsString());
        assertEquals("line 199", last.get("msg").getAsString());
        assertEquals("INFO", last.get("level").getAsString());
    }

    @Test
    void theFormatterKeepsMessagesIntactAndTheStack() {
        JsonLogFormatter f = new JsonLogFormatter();
        java.util.logging.LogRecord r = new java.util.logging.LogRecord(Level.SEVERE, "[t:1] quote \" back \\ \u0001");
        r.setLoggerName("x");
        r.setThrown(new IllegalStateException("boom"));
        JsonObject o = JsonParser.parseString(f.format(r)).getAsJsonObject();
        assertEquals("t:1", o.get("tid").getAsString());
        assertEquals("quote \" back \\ \u0001", o.get("msg").getAsString());
        assertTrue(o.get("thrown").getAsString().startsWith("java.lang.IllegalStateException: boom"), o.toString());
        assertFalse(JsonParser.parseString(f.format(new java.util.logging.LogRecord(Level.INFO, "plain")))
                .getAsJsonObject().has("tid"));
    }

    @Test
    void aLevelChangesWhileTheNodeRunsAndBadSettingsSayWhatIsWrong() throws Exception {
        LogSettings settings = new LogSettings(config(Map.of("levels", "dev.vireo.test.levels=WARN")));
        LogCommands console = new LogCommands(settings);
        Logger log = Logger.getLogger("dev.vireo.test.levels.worker");
        try {
            assertFalse(log.isLoggable(Level.INFO), "WARN from the configuration");
            assertTrue(console.log("dev.vireo.test.levels", "debug").contains("dev.vireo.test.levels = FINE"));
            assertTrue(log.isLoggable(Level.FINE), "DEBUG from the console");
            console.log("dev.vireo.test.levels", "reset");
            assertFalse(log.isLoggable(Level.FINE));
            assertTrue(log.isLoggable(Level.INFO), "back to the root's INFO");
        } finally {
            settings.close();
        }
        assertEquals("levels: 'nonsense' is not logger=LEVEL", assertThrows(IllegalArgumentException.class,
                () -> LogSettings.parse("a=INFO, nonsense")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LogSettings.level("LOUD")).getMessage()
                .startsWith("level 'LOUD' is not one of"));
        assertThrows(IllegalArgumentException.class, () -> new LogSettings(config(Map.of("format", "xml"))));
    }
}
