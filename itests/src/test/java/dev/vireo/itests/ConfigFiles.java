package dev.vireo.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/** A test's own copy of configs/ and edits to it. Plain JDK: the QEMU guest's driver uses it too. */
final class ConfigFiles {
    private ConfigFiles() {
    }

    /**
     * Copies the shipped configuration, atomically file by file (unchanged files are left alone, so FileInstall sees
     * no update). Per-test settings (ports, backends) are framework properties, as for any instance.
     */
    static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> cfgs = Files.list(from)) {
            for (Path cfg : cfgs.filter(p -> p.toString().endsWith(".cfg")).toList()) {
                String text = Files.readString(cfg);
                Path target = to.resolve(cfg.getFileName());
                if (Files.exists(target) && Files.readString(target).equals(text)) {
                    continue;
                }
                Path tmp = to.resolve(cfg.getFileName() + ".tmp");
                Files.writeString(tmp, text);
                Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        }
    }

    /** Sets {@code values} in a config file: replaces each key's line, or appends it. */
    static void edit(Path file, Map<String, String> values) throws IOException {
        String text = Files.readString(file);
        for (var v : values.entrySet()) {
            String line = v.getKey() + " = " + v.getValue();
            text = text.matches("(?s).*(?m)^" + java.util.regex.Pattern.quote(v.getKey()) + " *=.*")
                    ? text.replaceAll("(?m)^" + java.util.regex.Pattern.quote(v.getKey()) + " *=.*$",
                            java.util.regex.Matcher.quoteReplacement(line))
                    : text + "\n" + line + "\n";
        }
        Files.writeString(file, text);
    }
}
