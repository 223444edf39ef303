package dev.vireo.sim;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A configuration folder as the live system reads it (FileInstall: one {@code PID.cfg} properties file per
 * configuration pid, {@code PID-NAME.cfg} for a factory configuration), read once: every simulated node gets the same
 * files in its Configuration Admin as a live instance would, with the simulation's own settings on top.
 */
public final class Configs {
    private final Map<String, Map<String, String>> byPid;
    final Path dir;

    private Configs(Path dir, Map<String, Map<String, String>> byPid) {
        this.dir = dir;
        this.byPid = byPid;
    }

    public static Configs read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--config " + dir + " is not a folder of .cfg files (the live system's is"
                    + " configs/)");
        }
        Map<String, Map<String, String>> all = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".cfg")).sorted().toList()) {
                Properties p = new Properties();
                try (Reader r = Files.newBufferedReader(f)) {
                    p.load(r);
                }
                Map<String, String> m = new TreeMap<>();
                p.stringPropertyNames().forEach(k -> m.put(k, substitute(p.getProperty(k).trim())));
                String name = f.getFileName().toString();
                all.put(name.substring(0, name.length() - 4), m);
            }
        }
        return new Configs(dir, all);
    }

    /**
     * A node's settings as a live node reported them ({@code settings.json} of a live run): values already
     * substituted; a redacted secret is left out (the simulation serves no API that would need it).
     */
    static Configs of(Path source, Map<String, Map<String, String>> settings) {
        Map<String, Map<String, String>> all = new TreeMap<>();
        settings.forEach((pid, values) -> {
            Map<String, String> m = new TreeMap<>();
            values.forEach((k, v) -> {
                if (!v.equals(dev.vireo.api.worker.NodeSettings.REDACTED)) {
                    m.put(k, v);
                }
            });
            all.put(pid, m);
        });
        return new Configs(source, all);
    }

    private static final java.util.regex.Pattern PROPERTY = java.util.regex.Pattern.compile(
            "\\$\\{([A-Za-z0-9._-]+)(?::-([^}]*))?}");

    /**
     * A value as FileInstall reads it: {@code ${name}} and {@code ${name:-default}} replaced by the property (the
     * simulation has no framework: a system property of that name) or the default; an undefined one without a
     * default becomes empty, as in the framework.
     */
    static String substitute(String value) {
        java.util.regex.Matcher m = PROPERTY.matcher(value);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String v = System.getProperty(m.group(1));
            m.appendReplacement(b, java.util.regex.Matcher.quoteReplacement(
                    v != null ? v : m.group(2) != null ? m.group(2) : ""));
        }
        m.appendTail(b);
        return b.toString().trim();
    }

    /** Every pid's settings (copies), by pid. */
    Map<String, Map<String, String>> all() {
        Map<String, Map<String, String>> out = new TreeMap<>();
        byPid.forEach((pid, m) -> out.put(pid, new LinkedHashMap<>(m)));
        return out;
    }

    /** The settings of one pid (empty if the folder has no file for it). */
    Map<String, String> of(String pid) {
        return new LinkedHashMap<>(byPid.getOrDefault(pid, Map.of()));
    }
}
