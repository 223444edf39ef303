package dev.vireo.distro;

import dev.vireo.distro.Metatype.Attribute;
import dev.vireo.distro.Metatype.Definition;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key tables of docs/configuration.md, generated from the metatype. The prose around them is written by hand; each
 * table sits between {@code <!-- metatype PID -->} and {@code <!-- end metatype -->} and is replaced by the table of
 * that pid: one row per attribute (key, default, range from min/max, the attribute's description), and where the
 * shipped file gives the key a per-instance value ({@code ${vireo.x:-default}}) the meaning says so.
 */
final class ConfigurationDoc {
    static final Pattern BEGIN = Pattern.compile("<!-- metatype ([A-Za-z0-9._-]+) -->");
    static final String END = "<!-- end metatype -->";

    private ConfigurationDoc() {
    }

    /** The document with every generated table replaced; {@code pids} receives the pids it has tables for. */
    static String regenerate(String doc, Map<String, Definition> definitions, Map<String, Map<String, String>> shipped,
            Set<String> pids) {
        List<String> out = new ArrayList<>();
        List<String> lines = doc.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            out.add(line);
            Matcher m = BEGIN.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            String pid = m.group(1);
            Definition d = definitions.get(pid);
            if (d == null) {
                throw new IllegalArgumentException("docs/configuration.md line " + (i + 1) + ": no metatype for pid "
                        + pid + "; the pids with one: " + definitions.keySet());
            }
            if (!pids.add(pid)) {
                throw new IllegalArgumentException("docs/configuration.md line " + (i + 1) + ": a second table for "
                        + pid);
            }
            int end = i + 1;
            while (end < lines.size() && !lines.get(end).trim().equals(END)) {
                end++;
            }
            if (end == lines.size()) {
                throw new IllegalArgumentException("docs/configuration.md line " + (i + 1) + ": no " + END);
            }
            out.addAll(table(d, shipped.getOrDefault(pid, Map.of())));
            out.add(END);
            i = end;
        }
        return String.join("\n", out) + "\n";
    }

    static List<String> table(Definition d, Map<String, String> shipped) {
        List<String> rows = new ArrayList<>();
        rows.add("| key | default | range | meaning |");
        rows.add("|---|---|---|---|");
        for (Attribute a : d.attributes()) {
            String meaning = text(a.description());
            Matcher perInstance = ConfigurationDefaultsTest.PER_INSTANCE.matcher(shipped.getOrDefault(a.key(), ""));
            if (perInstance.matches()) {
                meaning += " Per instance: the shipped file has " + code(perInstance.group()) + ".";
            }
            String cells = String.join(" | ", code(a.key()),
                    a.defaultValue().isEmpty() ? "(empty)" : code(a.defaultValue()), range(a), meaning);
            rows.add(("| " + cells + " |").replace("|  |", "| |"));
        }
        return rows;
    }

    private static String range(Attribute a) {
        boolean min = !a.min().isEmpty();
        boolean max = !a.max().isEmpty();
        return min && max ? a.min() + " to " + a.max() : min ? ">= " + a.min() : max ? "<= " + a.max() : "";
    }

    private static String code(String s) {
        return "`" + s.replace("|", "\\|") + "`";
    }

    /** A description as Markdown text in a table cell. */
    private static String text(String s) {
        return s.replace("|", "\\|").replace("<", "\\<").replace("*", "\\*");
    }

    /** The pids in {@code definitions} without a table, in order. */
    static Set<String> missing(Map<String, Definition> definitions, Set<String> documented) {
        Set<String> out = new LinkedHashSet<>(definitions.keySet());
        out.removeAll(documented);
        return out;
    }
}
