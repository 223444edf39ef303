package dev.vireo.worker.internal;

import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Output;
import dev.vireo.api.model.Timings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

/**
 * Async invocations on disk, so that a restart loses none a client has not collected: {@code ID.pending} when one is
 * accepted, {@code ID.properties} (its whole record and when it finished) once it finished, removed when its
 * retention ends. At start a finished one answers again until its retention ends; one still pending was cut off by the
 * stop or crash and answers as CANCELLED, saying so. Async ids are transaction ids (letters, digits, {@code ._:-}),
 * safe as file names. Files are written to a temporary name and renamed (not synced: a crash of the host may lose the
 * newest few, a crash of the worker none).
 */
final class AsyncStore {
    private static final String DONE = ".properties";
    private static final String PENDING = ".pending";
    private final Path dir;

    /** A stored async invocation: its id, its record (a CANCELLED one for a pending one), when it finished. */
    record Stored(String id, InvocationRecord record, Instant finished) {
    }

    AsyncStore(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    void accepted(String id, String functionId, Instant arrival) throws IOException {
        Properties p = new Properties();
        p.setProperty("function", functionId);
        p.setProperty("arrival", arrival.toString());
        write(id + PENDING, p);
    }

    void finished(InvocationRecord r, Instant at) throws IOException {
        Properties p = new Properties();
        p.setProperty("finished", at.toString());
        p.setProperty("tid", r.tid());
        p.setProperty("function", r.functionId());
        p.setProperty("worker", r.worker());
        p.setProperty("backend", r.backend());
        r.state().ifPresent(s -> p.setProperty("state", s.name()));
        p.setProperty("arrival", r.arrival().toString());
        Timings t = r.timings();
        p.setProperty("timings", t.queuedUs() + "," + t.acquireUs() + "," + t.coldStartUs() + "," + t.transportUs() + ","
                + t.executionUs() + "," + t.e2eUs() + "," + t.cpuWaitUs() + "," + t.cpuTimeUs() + "," + t.energyUj());
        p.setProperty("result", r.result());
        r.error().ifPresent(e -> {
            p.setProperty("error.kind", e.kind().name());
            p.setProperty("error.message", e.message());
            p.setProperty("error.detail", e.detail());
        });
        p.setProperty("stdout", r.output().stdout());
        p.setProperty("stderr", r.output().stderr());
        p.setProperty("truncated", Boolean.toString(r.output().truncated()));
        write(r.tid() + DONE, p);
        Files.deleteIfExists(dir.resolve(r.tid() + PENDING));
    }

    void forget(String id) throws IOException {
        Files.deleteIfExists(dir.resolve(id + DONE));
        Files.deleteIfExists(dir.resolve(id + PENDING));
    }

    /** Every stored one; a file that cannot be read is skipped and named in {@code problems}. */
    List<Stored> load(String worker, Instant now, List<String> problems) throws IOException {
        List<Stored> out = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(dir)) {
            all.forEach(files::add);
        }
        files.sort(null);
        for (Path f : files) {
            String name = f.getFileName().toString();
            boolean done = name.endsWith(DONE);
            if (name.startsWith("~") || !(done || name.endsWith(PENDING))) { // ~: a temporary file (no tid has one)
                continue;
            }
            String id = name.substring(0, name.length() - (done ? DONE : PENDING).length());
            if (done && files.contains(dir.resolve(id + PENDING))) {
                Files.deleteIfExists(dir.resolve(id + PENDING)); // finished: the rename came before the removal
            }
            if (!done && Files.exists(dir.resolve(id + DONE))) {
                continue; // finished: the worker stopped between writing its record and removing this
            }
            Properties p = new Properties();
            try (java.io.InputStream in = Files.newInputStream(f)) {
                p.load(in);
                out.add(done ? finished(id, p) : cutOff(id, p, worker, now));
            } catch (IOException | RuntimeException e) {
                problems.add(f + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static Stored finished(String id, Properties p) {
        String[] t = p.getProperty("timings").split(",");
        long[] v = new long[9];
        for (int i = 0; i < 9; i++) {
            v[i] = Long.parseLong(t[i]);
        }
        Optional<InvocationError> error = p.getProperty("error.kind") == null ? Optional.empty()
                : Optional.of(new InvocationError(ErrorKind.valueOf(p.getProperty("error.kind")),
                        p.getProperty("error.message"), p.getProperty("error.detail", "")));
        InvocationRecord r = new InvocationRecord(p.getProperty("tid", id), p.getProperty("function"),
                p.getProperty("worker"), p.getProperty("backend"),
                Optional.ofNullable(p.getProperty("state")).map(s -> ContainerState.valueOf(s.toUpperCase(Locale.ROOT))),
                Instant.parse(p.getProperty("arrival")), new Timings(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]),
                p.getProperty("result", ""), error, Optional.empty(), new Output(p.getProperty("stdout", ""),
                        p.getProperty("stderr", ""), Boolean.parseBoolean(p.getProperty("truncated"))));
        return new Stored(id, r, Instant.parse(p.getProperty("finished")));
    }

    /** One the worker stopped in the middle of: done now, as CANCELLED, its retention counted from this start. */
    private static Stored cutOff(String id, Properties p, String worker, Instant now) {
        Instant arrival = Instant.parse(p.getProperty("arrival"));
        InvocationRecord r = new InvocationRecord(id, p.getProperty("function"), worker, "", Optional.empty(), arrival,
                Timings.NONE, "", Optional.of(InvocationError.of(ErrorKind.CANCELLED, "the worker stopped before the"
                        + " invocation finished (it may or may not have run); send it again, with a new transaction id,"
                        + " if it is safe to")));
        return new Stored(id, r, now);
    }

    private void write(String name, Properties p) throws IOException {
        Path tmp = Files.createTempFile(dir, "~" + name, ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                p.store(out, null); // ISO-8859-1 with \\uXXXX escapes: every Unicode text comes back as it was
            }
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
