package dev.vireo.itests;

import static org.junit.Assert.fail;

import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.BooleanSupplier;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.junit.Before;
import org.osgi.framework.BundleContext;

/**
 * What every in-framework test shares: the injected services, a fresh copy of the shipped configuration before each
 * test (Pax Exam evaluates {@code @Configuration} once per class, so methods share the folders), waiting with a
 * timeout, config-file edits and console commands.
 */
public abstract class FrameworkTest {
    static final long WAIT_MS = 20_000;

    @Inject
    protected BundleContext context;

    @Inject
    protected PluginRegistry registry;

    @Inject
    protected CommandProcessor processor;

    @Before
    public void freshConfiguration() throws Exception {
        Path home = Path.of(context.getProperty("vireo.home"));
        try (var files = Files.list(dir("deploy"))) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        ConfigFiles.copy(home.resolve("configs"), dir("configs"));
        await(() -> "shipped configuration in force (ready " + registry.ready() + ", " + registry.selections() + ")",
                () -> registry.ready()
                && effective(ExtensionPoint.QUEUE).equals(List.of("fcfs"))
                && effective(ExtensionPoint.KEEPALIVE).equals(List.of("lru"))
                && effective(ExtensionPoint.BACKEND).equals(List.of("sim", "process"))
                && registry.plugins().stream().noneMatch(p -> p.name().equals("lifo")));
    }

    protected int httpPort() {
        return Integer.parseInt(context.getProperty(VireoOptions.HTTP_PORT));
    }

    protected Path dir(String name) {
        return Path.of(context.getProperty(VireoOptions.IT_DIR), name);
    }

    protected static long await(String what, BooleanSupplier condition) throws InterruptedException {
        return await(() -> what, condition);
    }

    /** As above; {@code what} is asked at the time-out, so it can tell the state then. */
    protected static long await(java.util.function.Supplier<String> what, BooleanSupplier condition)
            throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - start > WAIT_MS * 1_000_000) {
                fail("timed out after " + WAIT_MS + " ms waiting for " + what.get());
            }
            Thread.sleep(10);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    protected List<String> effective(ExtensionPoint point) {
        return registry.selection(point).effective();
    }

    protected String console(String command) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
            Object result = session.execute(command);
            if (result != null) {
                out.println(session.format(result, Converter.INSPECT));
            }
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    /** What the console's {@code scr:info} says of a component, for a time-out's message; never throws. */
    protected String componentState(String component) {
        try {
            return console("scr:info " + component).strip();
        } catch (Exception e) {
            return "(scr:info failed: " + e + ")";
        }
    }

    /** Sets {@code key = value} in {@code configs/<file>} (adding the key if absent), replacing the file atomically. */
    protected void editConfig(String file, String key, String value) throws Exception {
        Path cfg = dir("configs").resolve(file);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(cfg));
        boolean found = false;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(key + " ") || lines.get(i).startsWith(key + "=")) {
                lines.set(i, key + " = " + value);
                found = true;
            }
        }
        if (!found) {
            lines.add(key + " = " + value);
        }
        Path tmp = dir("configs").resolve(file + ".tmp");
        Files.write(tmp, lines);
        Files.move(tmp, cfg, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
