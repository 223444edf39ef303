package dev.vireo.cli.command;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The config labels of an image archive of {@code tools/vireo_image.py}, read straight from the tar: manifest.json
 * (docker-archive's, which the tool writes before the blobs) names the config blob. Layers are skipped, not read.
 */
final class ImageLabels {
    private static final int BLOCK = 512;
    private static final long SMALL = 1 << 20;

    private ImageLabels() {
    }

    /** The labels; empty when the archive is not one of the tool's (or has none). */
    static Map<String, String> read(Path archive) throws IOException {
        Map<String, byte[]> small = new HashMap<>(); // blobs seen before manifest.json named the config
        String config = null;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            String paxPath = null;
            byte[] header = new byte[BLOCK];
            while (in.readNBytes(header, 0, BLOCK) == BLOCK && header[0] != 0) {
                long size = Long.parseLong(field(header, 124, 12).isEmpty() ? "0" : field(header, 124, 12), 8);
                char type = (char) header[156];
                String name = paxPath != null ? paxPath : path(header);
                paxPath = null;
                long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
                boolean wanted = type == 'x' || name.equals("manifest.json") || name.equals(config)
                        || (config == null && name.startsWith("blobs/") && size < SMALL);
                if (!wanted) {
                    in.skipNBytes(padded);
                    continue;
                }
                byte[] body = in.readNBytes((int) size);
                in.skipNBytes(padded - size);
                if (type == 'x') {
                    paxPath = paxPath(body);
                } else if (name.equals("manifest.json")) {
                    config = JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonArray().get(0)
                            .getAsJsonObject().get("Config").getAsString();
                    if (small.containsKey(config)) {
                        return labels(small.get(config));
                    }
                    small.clear();
                } else if (name.equals(config)) {
                    return labels(body);
                } else {
                    small.put(name, body);
                }
            }
        } catch (RuntimeException | EOFException e) { // not JSON, not a number, cut short: not an archive of the tool
            return Map.of();
        }
        return Map.of();
    }

    private static Map<String, String> labels(byte[] config) {
        JsonElement c = JsonParser.parseString(new String(config, StandardCharsets.UTF_8)).getAsJsonObject().get("config");
        Map<String, String> labels = new HashMap<>();
        if (c != null && c.isJsonObject() && c.getAsJsonObject().has("Labels")
                && c.getAsJsonObject().get("Labels").isJsonObject()) {
            c.getAsJsonObject().getAsJsonObject("Labels").entrySet()
                    .forEach(e -> labels.put(e.getKey(), e.getValue().getAsString()));
        }
        return Map.copyOf(labels);
    }

    private static String path(byte[] header) {
        String name = field(header, 0, 100);
        String prefix = new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar") ? field(header, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8).trim();
    }

    /** The "path" record of a pax extended header ("LEN path=VALUE\n" records). */
    private static String paxPath(byte[] body) {
        for (String record : new String(body, StandardCharsets.UTF_8).split("\n")) {
            int space = record.indexOf(' ');
            if (space > 0 && record.startsWith("path=", space + 1)) {
                return record.substring(space + 6);
            }
        }
        return null;
    }
}
