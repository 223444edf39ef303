package dev.vireo.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A trace file of plain CSV read line by line: its header checked (without byte-order mark, quotes and spaces), every
 * other non-blank line split into exactly the header's columns, and anything else an error naming file and line. The
 * invocation files of Ilúvatar's format and of the Azure Functions 2021 trace are read this way (they can be large:
 * nothing is kept here).
 */
final class CsvLines {
    /** One line's cells (not stripped) and where it is ({@code file:line}, for errors). */
    interface Line {
        void accept(String[] cells, String where) throws IOException;
    }

    private CsvLines() {
    }

    static void read(Path file, String header, Line line) throws IOException {
        int columns = header.split(",", -1).length;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            if (first == null || !IluvatarTrace.header(first).equals(header)) {
                throw new IOException(file.getFileName() + ":1: header '" + header + "' expected");
            }
            int n = 1;
            for (String raw = r.readLine(); raw != null; raw = r.readLine()) {
                n++;
                String text = raw.strip();
                if (text.isEmpty()) {
                    continue;
                }
                String where = file.getFileName() + ":" + n;
                String[] cells = text.split(",", -1);
                if (cells.length != columns) {
                    throw new IOException(where + ": " + cells.length + " columns, " + columns + " expected (" + header
                            + ")");
                }
                line.accept(cells, where);
            }
        }
    }
}
