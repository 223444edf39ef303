package dev.vireo.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.validation.JsonText;
import dev.vireo.cli.ApiClient.Reply;
import dev.vireo.loadgen.DagReport;
import dev.vireo.loadgen.DagResults;
import dev.vireo.loadgen.RunMetadata;
import java.io.Console;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;

/**
 * Workflows on a worker's (or controller's) HTTP API for {@code vireo dag ...}: submit, status (and watching a run),
 * result, plan, cancel, delete, list, and a run's records into a results folder (report). Human-readable by default
 * ({@link DagView}); with {@code json} it prints the API's JSON as it came (a result's outputs exactly as the
 * functions wrote them). Methods return the exit code: 0 ok, 1 refused, or (waiting and result) the run failed or was
 * cancelled; nothing answering is exit 3.
 *
 * <p>Waiting polls the run's counts ({@code ?records=false}) every {@link #POLL_MS} ms. On a terminal a one-line
 * progress bar on stderr is redrawn in place; elsewhere {@code --wait} prints nothing until the end and
 * {@code --watch} prints the line each time it changes.
 */
public final class DagClient {
    static final long POLL_MS = 500;
    /** Writes a spec back as JSON text without escaping what needs none ({@code <}, {@code '}, ...). */
    private static final Gson SPEC_WRITER = new GsonBuilder().disableHtmlEscaping().create();

    private final String base;
    private final ApiClient api;
    private final boolean json;
    private final boolean terminal;

    public DagClient(String base, String token, boolean json) {
        this(base, token, json, null);
    }

    /** @param caFile PEM certificates to trust for an https:// API; null: {@code VIREO_CACERT}, else the JDK's */
    public DagClient(String base, String token, boolean json, String caFile) {
        this(base, token, json, terminal(), caFile);
    }

    DagClient(String base, String token, boolean json, boolean terminal) {
        this(base, token, json, terminal, null);
    }

    DagClient(String base, String token, boolean json, boolean terminal, String caFile) {
        this.base = base;
        this.api = new ApiClient(base, token, null, caFile);
        this.json = json;
        this.terminal = terminal;
    }

    /**
     * Whether this process draws on a terminal. From JDK 22 a console exists even when the streams are redirected and
     * says whether it is a terminal ({@code Console.isTerminal}, called by name: the CLI is compiled for Java 21,
     * where a console exists only on a terminal).
     */
    static boolean terminal() {
        Console console = System.console();
        if (console == null || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    private static String path(String run) {
        return "/dags/" + URLEncoder.encode(run, StandardCharsets.UTF_8);
    }

    /** Submits the spec; prints the run id (then, with {@code wait}, waits and prints the result as {@link #result}). */
    public int submit(String spec, String resume, boolean wait) throws IOException, InterruptedException {
        String query = resume == null || resume.isEmpty() ? "" : "?resume=" + URLEncoder.encode(resume,
                StandardCharsets.UTF_8);
        Reply r = api.call("POST", "/dags" + query, spec, Map.of("Content-Type", "application/json"));
        if (!r.ok()) {
            return ApiClient.failed(r, json);
        }
        String run = r.body().getAsJsonObject().get("run").getAsString();
        if (!wait) {
            System.out.println(json ? r.text().strip() : run);
            return 0;
        }
        if (!json) {
            System.out.println(run);
        }
        return await(run, false) == null ? 1 : result(run);
    }

    /** The run's status with every task; with {@code watch}, its progress until it ends, then the status. */
    public int status(String run, boolean watch) throws IOException, InterruptedException {
        if (watch && await(run, true) == null) {
            return 1;
        }
        Reply r = api.call("GET", path(run), null, Map.of());
        if (!r.ok()) {
            return ApiClient.failed(r, json);
        }
        System.out.print(json ? r.text().strip() + System.lineSeparator()
                : DagView.status(r.body().getAsJsonObject()));
        return 0;
    }

    /** The outputs of a finished run; 1 when it failed or was cancelled, or has not finished. */
    public int result(String run) throws IOException, InterruptedException {
        Reply r = api.call("GET", path(run) + "/result", null, Map.of());
        if (!r.ok()) {
            return ApiClient.failed(r, json);
        }
        JsonObject o = r.body().getAsJsonObject();
        System.out.print(json ? r.text().strip() + System.lineSeparator() : DagView.result(o));
        return o.get("state").getAsString().equals("succeeded") ? 0 : 1;
    }

    /**
     * The run's plan ({@code GET /dags/{run}/plan}): per task where it was to run, its fusion group, prewarming,
     * priority and predicted start and finish, and the predicted makespan.
     */
    public int plan(String run) throws IOException, InterruptedException {
        Reply r = api.call("GET", path(run) + "/plan", null, Map.of());
        if (!r.ok()) {
            return ApiClient.failed(r, json);
        }
        System.out.print(json ? r.text().strip() + System.lineSeparator() : DagView.plan(r.body().getAsJsonObject()));
        return 0;
    }

    /**
     * The spec with {@code "sla"} set to {@code sla}, added or replacing the spec's own: what {@code dag submit --sla}
     * sends. A text that is not a strict JSON object is returned unchanged, for the API to refuse with the message it
     * gives without {@code --sla}. Otherwise the rest stays the same JSON: members in their order, numbers as written.
     */
    public static String withSla(String spec, String sla) {
        try {
            JsonText.check("body", spec);
        } catch (ValidationException e) {
            return spec;
        }
        JsonElement root = JsonParser.parseString(spec); // strict JSON already: Gson's leniency changes nothing
        if (!root.isJsonObject()) {
            return spec;
        }
        root.getAsJsonObject().addProperty("sla", sla);
        return SPEC_WRITER.toJson(root);
    }

    public int cancel(String run) throws IOException, InterruptedException {
        Reply r = api.call("DELETE", path(run), null, Map.of());
        if (!r.ok()) {
            return ApiClient.failed(r, json);
        }
        JsonObject s = r.body().getAsJsonObject();
        System.out.println(json ? r.text().strip() : run + " " + s.get("state").getAsString() + ": "
                + s.get("finished").getAsInt() + " of " + s.get("tasks").getAsInt() + " tasks done ("
                + DagView.counts(s.getAsJsonObject("counts")) + ")");
        return 0;
    }

    public int delete(String run) throws IOException, InterruptedException {
        Reply r = api.call("DELETE", path(run) + "?purge=true", null, Map.of());
        if (!r.ok()) {
            return ApiClient.failed(r, json);
        }
        System.out.println(json ? r.text().strip() : "deleted " + run);
        return 0;
    }

    public int list() throws IOException, InterruptedException {
        Reply r = api.call("GET", "/dags", null, Map.of());
        if (!r.ok()) {
            return ApiClient.failed(r, json);
        }
        System.out.print(json ? r.text().strip() + System.lineSeparator() : DagView.list(r.body().getAsJsonArray()));
        return 0;
    }

    /**
     * The run's records (its status), graph (its spec) and plan into the results folder {@code out/name}
     * ({@code name} null: {@code dag-RUN}), which must be new or empty: table {@code tasks} in {@code records.duckdb},
     * {@code tasks.parquet}, {@code tasks.csv}, {@code summary.json}, and {@code report.html} with the graph and the
     * timeline (loadgen's {@link DagResults} and {@link DagReport}). A run still running is written as it is now (said
     * on stderr). A node that answers 404 to {@code GET /dags/{run}/plan} after serving the run is older than plans:
     * the folder has none (said on stderr). Prints what the summary says and where the report is; with {@code json},
     * the summary.
     */
    public int report(String run, Path out, String name) throws IOException, InterruptedException, SQLException {
        String folder = name != null ? name : "dag-" + run;
        if (!folder.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new CliException(CliException.USAGE, "--name '" + folder + "' may only have letters, digits, '.',"
                    + " '_', '-' (1-100 of them)");
        }
        Path dir = out.resolve(folder);
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                if (files.findAny().isPresent()) {
                    throw new CliException(CliException.USAGE, "results folder " + dir + " exists and is not empty:"
                            + " choose another --name");
                }
            }
        }
        Reply status = api.call("GET", path(run), null, Map.of());
        if (!status.ok()) {
            return ApiClient.failed(status, json);
        }
        Reply spec = api.call("GET", path(run) + "/spec", null, Map.of());
        if (!spec.ok()) {
            return ApiClient.failed(spec, json);
        }
        Reply plan = api.call("GET", path(run) + "/plan", null, Map.of());
        if (!plan.ok() && plan.status() != 404) {
            return ApiClient.failed(plan, json);
        }
        if (!plan.ok()) {
            System.err.println("vireo: " + base + " serves no plan for run " + run + " (a node from before plans):"
                    + " the results have none");
        }
        JsonObject s = status.body().getAsJsonObject();
        if (s.get("state").getAsString().equals("running")) {
            System.err.println("vireo: run " + run + " is still running: its records are written as they are now");
        }
        JsonObject meta = RunMetadata.live(folder, "dag", base, Instant.parse(s.get("submitted").getAsString()))
                .put("run", s.get("run").getAsString()).put("workflow", s.get("name").getAsString())
                .put("fetched", Instant.now().toString()).json();
        JsonObject summary = DagResults.write(dir, s, spec.text(), plan.ok() ? plan.body().getAsJsonObject() : null,
                meta);
        DagReport.write(dir, summary);
        System.out.print(json ? new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(summary)
                + System.lineSeparator() : DagView.report(summary, dir));
        return 0;
    }

    /**
     * Polls the run until it ends, showing its progress ({@code lines}: also off a terminal, a line per change).
     * Returns its last counts, or null when the API refused (printed).
     */
    private JsonObject await(String run, boolean lines) throws IOException, InterruptedException {
        String shown = null;
        while (true) {
            Reply r = api.call("GET", path(run) + "?records=false", null, Map.of());
            if (!r.ok()) {
                if (terminal && shown != null) {
                    System.err.println();
                }
                ApiClient.failed(r, json);
                return null;
            }
            JsonObject s = r.body().getAsJsonObject();
            String line = DagView.progress(s, DagView.BAR_WIDTH);
            boolean done = !s.get("state").getAsString().equals("running");
            if (terminal) {
                // redrawn in place: back to the start of the line, the line, then clear what a longer one left
                System.err.print("\r" + line + "\033[K" + (done ? System.lineSeparator() : ""));
                System.err.flush();
            } else if (lines && !line.equals(shown)) {
                System.err.println(line);
            }
            shown = line;
            if (done) {
                return s;
            }
            Thread.sleep(POLL_MS);
        }
    }
}
