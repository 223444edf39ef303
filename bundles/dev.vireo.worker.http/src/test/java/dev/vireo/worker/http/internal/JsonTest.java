package dev.vireo.worker.http.internal;

import dev.vireo.testkit.FakeWorker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Output;
import dev.vireo.api.model.Routing;
import dev.vireo.api.model.Timings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The HTTP API's JSON of specs, records and status, field by field. */
class JsonTest {
    static final FunctionSpec FULL = new FunctionSpec("resize", "2.1_b", "vireo/python:3.12", "/srv/fn/resize",
            "main.handle", "docker", Compute.GPU, "pipe", 512, 2.5, Duration.ofMillis(30_000), 4,
            new ExpectedTimings(800, 45), 2048, new dev.vireo.api.model.FunctionConfig(java.util.Map.of("MODE", "prod"),
            "{\"size\":[64,64],\"q\":0.90}", java.util.Map.of("API_KEY", "k-123")));

    static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    /** The registration fields docs/api.md lists, read from its table. */
    static Set<String> documentedFields() throws IOException {
        String doc = Files.readString(Path.of("../../docs/api.md"));
        int start = doc.indexOf("### Registration fields");
        int end = doc.indexOf("\n\n", start);
        Set<String> fields = new TreeSet<>();
        for (String row : doc.substring(start, end).split("\n")) {
            if (row.startsWith("| `")) {
                Matcher m = Pattern.compile("`([a-z_]+)`").matcher(row.split("\\|")[1]);
                while (m.find()) {
                    fields.add(m.group(1));
                }
            }
        }
        return fields;
    }

    @Test
    void theApiReadsExactlyTheRegistrationFieldsTheDocsList() throws IOException {
        Set<String> documented = documentedFields();
        assertEquals(19, documented.size(), documented.toString());
        assertEquals(documented, new TreeSet<>(Json.SPEC_FIELDS));
    }

    @Test
    void aRegistrationWithEveryFieldBecomesThatSpec() {
        JsonObject o = json("""
                {"name":"resize","version":"2.1_b","image":"vireo/python:3.12","code":"/srv/fn/resize",
                 "handler":"main.handle","backend":"docker","compute":"GPU","transport":"pipe","memory_mb":512,
                 "cpus":2.5,"timeout_ms":30000,"concurrency":4,"expected_cold_start_ms":800,"expected_warm_ms":45,
                 "scratch_mb":2048,"env":{"MODE":"prod"},"parameters":{"size":[64,64],"q":0.90},
                 "secrets":{"API_KEY":"k-123"}}""");
        assertEquals(FULL, Json.spec(o));
    }

    @Test
    void absentFieldsTakeTheDocumentedDefaults() {
        FunctionSpec s = Json.spec(json("{\"name\":\"hello\",\"image\":\"vireo/hello\"}"));
        assertEquals(new FunctionSpec("hello", "1", "vireo/hello", "", "", "", Compute.CPU, "uds", 128, 1.0,
                Duration.ofMillis(60_000), 1, ExpectedTimings.UNKNOWN), s);
        // null is absent too
        assertEquals(s, Json.spec(json("{\"name\":\"hello\",\"image\":\"vireo/hello\",\"version\":null,\"cpus\":null}")));
    }

    @Test
    void aSpecIsWrittenWithItsIdAndEveryDocumentedField() throws IOException {
        JsonObject o = Json.spec(FULL);
        assertEquals(json("""
                {"id":"resize-2.1_b","namespace":"","name":"resize","version":"2.1_b","image":"vireo/python:3.12",
                 "code":"/srv/fn/resize","handler":"main.handle","backend":"docker","compute":"gpu","transport":"pipe",
                 "memory_mb":512,"cpus":2.5,"timeout_ms":30000,"concurrency":4,"expected_cold_start_ms":800,
                 "expected_warm_ms":45,"scratch_mb":2048,"env":{"MODE":"prod"},"parameters":{"size":[64,64],"q":0.90},
                 "secrets":["API_KEY"]}"""), o);
        assertFalse(o.toString().contains("k-123"), "a secret's value is never answered");
        Set<String> keys = new TreeSet<>(documentedFields());
        keys.add("id");
        assertEquals(keys, new TreeSet<>(o.keySet()));
    }

    @Test
    void aWrittenSpecReadsBackAsTheSameSpecOnceItsIdIsDropped() {
        for (FunctionSpec s : List.of(FULL, Json.spec(json("{\"name\":\"hello\",\"image\":\"vireo/hello\"}")))) {
            JsonObject o = Json.spec(s);
            o.remove("id"); // replies carry the id; a registration may not (unknown field)
            o.remove("secrets"); // replies name them, a registration gives their values
            assertEquals(s.withConfig(new dev.vireo.api.model.FunctionConfig(s.config().env(), s.config().parameters(),
                    java.util.Map.of())), Json.spec(o));
        }
    }

    @Test
    void unknownFieldsAndWrongTypesAreRefusedAs400NamingTheField() {
        HttpError unknown = assertThrows(HttpError.class, () -> Json.spec(json("{\"name\":\"a\",\"memory\":1}")));
        assertEquals(400, unknown.status);
        assertEquals("INVALID_REQUEST", unknown.kind);
        assertTrue(unknown.getMessage().contains("'memory'"), unknown.getMessage());

        HttpError type = assertThrows(HttpError.class, () -> Json.spec(json("{\"name\":\"a\",\"memory_mb\":\"512\"}")));
        assertEquals(400, type.status);
        assertTrue(type.getMessage().startsWith("memory_mb"), type.getMessage());
    }

    @Test
    void parsingIsStrict() {
        assertEquals(json("{\"a\":[1,2]}"), Json.parse(" {\"a\":[1,2]} "));
        for (String bad : new String[] {"{\"a\":1} x", "{'a':1}", "{\"a\":1,}", "{\"a\":NaN}", "{\"a\":", "{a:1}",
                "{\"a\":1,\"a\":2}", "[\"\\ud800\"]", "[".repeat(10_000) + "]".repeat(10_000), "{\"a\":Infinity}"}) {
            HttpError e = assertThrows(HttpError.class, () -> Json.parse(bad), bad);
            assertEquals(400, e.status, bad);
            assertTrue(e.getMessage().startsWith("body: not valid JSON: "), bad + " -> " + e.getMessage());
            assertFalse(e.getMessage().contains("setStrictness") || e.getMessage().contains("Json"), e.getMessage());
        }
        assertEquals("body: not valid JSON: duplicate key \"a\" at line 1, column 8",
                assertThrows(HttpError.class, () -> Json.parse("{\"a\":1,\"a\":2}")).getMessage());
        HttpError notObject = assertThrows(HttpError.class, () -> Json.object("[1]", "a registration"));
        assertEquals("a registration must be a JSON object", notObject.getMessage());
    }

    @Test
    void aRecordWithEverythingIsWrittenInFull() {
        InvocationRecord r = new InvocationRecord("t-1", "hello-1", "worker-1", "docker", Optional.of(ContainerState.COLD),
                Instant.parse("2026-11-22T20:50:13.646Z"), new Timings(148, 1190, 900, 233, 2000, 3632, 812, 1870, 52_000), "",
                Optional.of(new InvocationError(ErrorKind.USER_ERROR, "ValueError: bad", "Traceback ...")),
                Optional.of(new Routing("ctl-1", 2, 15, 3900, 4000)), new Output("step 1\n", "warning: é\n", true));
        assertEquals(json("""
                {"tid":"t-1","function":"hello-1","worker":"worker-1","backend":"docker","state":"cold",
                 "arrival":"2026-11-22T20:50:13.646Z","success":false,"result":null,
                 "timings":{"queued_us":148,"acquire_us":1190,"cold_start_us":900,"transport_us":233,
                            "execution_us":2000,"e2e_us":3632,"overhead_us":1632,"cpu_wait_us":812,"cpu_time_us":1870,
                            "energy_uj":52000},
                 "routing":{"controller":"ctl-1","attempts":2,"pick_us":15,"forward_us":3900,"e2e_us":4000},
                 "output":{"stdout":"step 1\\n","stderr":"warning: é\\n","truncated":true},
                 "error":{"kind":"USER_ERROR","message":"ValueError: bad","detail":"Traceback ..."}}"""),
                json(Json.recordText(r)));
    }

    @Test
    void aRecordWithoutStateRoutingOrErrorLeavesThemOut() {
        InvocationRecord r = new InvocationRecord("t-2", "hello-1", "worker-1", "", Optional.empty(),
                Instant.parse("2026-11-22T20:50:13Z"), Timings.NONE, "{\"echo\":{\"x\":1}}", Optional.empty());
        JsonObject o = json(Json.recordText(r));
        assertEquals(JsonNull.INSTANCE, o.get("state"));
        assertEquals(json("{\"echo\":{\"x\":1}}"), o.get("result"), "the result is JSON, not a string of JSON");
        assertTrue(o.get("success").getAsBoolean());
        assertFalse(o.has("routing"));
        assertFalse(o.has("error"));
        assertFalse(o.has("output"), "a function that wrote nothing adds nothing");
        assertEquals(0, o.getAsJsonObject("timings").get("overhead_us").getAsLong());
        assertEquals(-1, o.getAsJsonObject("timings").get("cpu_wait_us").getAsLong(), "not measured");
        assertEquals(-1, o.getAsJsonObject("timings").get("cpu_time_us").getAsLong(), "not measured");
        assertEquals(-1, o.getAsJsonObject("timings").get("energy_uj").getAsLong(), "not measured");

        // an error without detail has no detail field
        assertEquals(json("{\"kind\":\"TIMEOUT\",\"message\":\"timed out\"}"), json(Json.recordText(
                new InvocationRecord("t-3", "hello-1", "worker-1", "sim", Optional.empty(), Instant.EPOCH, Timings.NONE,
                        "", Optional.of(InvocationError.of(ErrorKind.TIMEOUT, "timed out"))))).get("error"));
    }

    @Test
    void outputIsWrittenWhenThereIsAnyEvenIfOnlyTruncatedToNothing() {
        for (Output out : List.of(new Output("a\n", "", false), new Output("", "b", false), new Output("", "", true))) {
            InvocationRecord r = new InvocationRecord("t-2", "hello-1", "worker-1", "", Optional.empty(), Instant.EPOCH,
                    Timings.NONE, "1", Optional.empty(), Optional.empty(), out);
            JsonObject o = json(Json.recordText(r)).getAsJsonObject("output");
            assertEquals(out, new Output(o.get("stdout").getAsString(), o.get("stderr").getAsString(),
                    o.get("truncated").getAsBoolean()));
            assertEquals(3, o.size());
        }
    }

    @Test
    void aRecordCarriesTheResultTextExactlyAsTheFunctionReturnedIt() {
        String result = "{\"big\":1e400, \"n\":-0,\"x\":1.0,\"d\":12345678901234567890.5,\"s\":\"\\ud83d\\ude00 é\"}";
        InvocationRecord r = new InvocationRecord("t-2", "hello-1", "worker-1", "", Optional.empty(), Instant.EPOCH,
                Timings.NONE, result, Optional.empty());
        assertTrue(Json.recordText(r).contains(",\"result\":" + result + ",\"timings\":"), Json.recordText(r));
        assertTrue(Json.recordText(new InvocationRecord("t-2", "hello-1", "worker-1", "", Optional.empty(),
                Instant.EPOCH, Timings.NONE, "", Optional.empty())).contains("\"result\":null,"));
    }

    @Test
    void numbersAreReadExactlyAndNamedAsTheApiSpellsThem() {
        String base = "{\"name\":\"a\",\"image\":\"x\",";
        for (String[] c : new String[][] {
                {"\"memory_mb\":128.9", "memory_mb: 128.9 is not an integer"},
                {"\"memory_mb\":1e12", "memory_mb: 1e12 is out of range [16, 65536] MB"},
                {"\"memory_mb\":-0", "memory_mb: -0 is out of range [16, 65536] MB"},
                {"\"memory_mb\":" + "1".repeat(5000), "memory_mb: 11111111111111111111... (5000 characters) is out"
                        + " of range [16, 65536] MB"},
                {"\"concurrency\":1.5", "concurrency: 1.5 is not an integer"},
                {"\"timeout_ms\":0.5", "timeout_ms: 0.5 is not an integer"},
                {"\"timeout_ms\":0", "timeout_ms: 0 is out of range [1, 900000] ms"},
                {"\"cpus\":1e400", "cpus: 1e400 is out of range [0.01, 256] cores"},
                {"\"expected_warm_ms\":2.5", "expected_warm_ms: 2.5 is not an integer"},
                {"\"scratch_mb\":8", "scratch_mb: 8 is out of range [16, 1048576] MB"},
                {"\"scratch_mb\":512.5", "scratch_mb: 512.5 is not an integer"}}) {
            var e = assertThrows(dev.vireo.api.model.ValidationException.class, () -> Json.spec(Json.parse(base + c[0] + "}").getAsJsonObject()),
                    c[0]);
            assertEquals(c[1], e.getMessage());
        }
        assertEquals(512, Json.spec(json(base + "\"memory_mb\":5.12e2}")).memoryMb(), "integral in any notation");
    }

    @Test
    void configurationFieldsAreCheckedAndNamed() {
        String base = "{\"name\":\"a\",\"image\":\"x\",";
        for (String[] c : new String[][] {
                {"\"env\":\"MODE=prod\"", "env: must be an object of variable names to string values"},
                {"\"env\":{\"N\":1}", "env: the value of N must be a string"},
                {"\"secrets\":[\"K\"]", "secrets: must be an object of variable names to string values"},
                {"\"parameters\":\"{}\"", "parameters: must be a JSON object (the defaults a payload's keys are merged over)"},
                {"\"env\":{\"VIREO_X\":\"1\"}", "env: 'VIREO_X' is reserved: the platform sets the VIREO_* variables"
                        + " itself"},
                {"\"env\":{\"K\":\"1\"},\"secrets\":{\"K\":\"2\"}", "secrets: 'K' is also in env: a variable is"
                        + " one or the other"}}) {
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> Json.spec(Json.parse(base + c[0] + "}").getAsJsonObject()), c[0]);
            assertEquals(c[1], e.getMessage());
        }
        assertEquals("{\"n\":1e400,\"s\":\"\u00e9\"}", Json.spec(json(base
                + "\"parameters\":{\"n\":1e400,\"s\":\"\u00e9\"}}")).config().parameters(), "numbers kept as written");
    }

    @Test
    void statusIsWrittenGroupedAndSorted() {
        JsonObject o = Json.status(FakeWorker.STATUS);
        assertEquals(json("""
                {"worker":"worker-1","queued":2,"queue_capacity":100,"running":3,"functions":1,
                 "containers":{"running":3,"cached":4},
                 "memory":{"running_mb":768,"cached_mb":1024,"running_used_mb":300,"cached_used_mb":410,"limit_mb":8192},
                 "backends":{"docker":0,"sim":7},
                 "policies":{"keepalive":"ttl","queue":"fifo"},
                 "resources":[{"resource":"memory","unit":"MB","capacity":8192.0,"used":1792.0},
                              {"resource":"cpu","unit":"cores","capacity":8.0,"used":3.5}],
                 "stats":{"hello-1":{"invocations":42,"cold_start_us":150000,"warm_us":3001,"execution_us":2001,
                                     "e2e_us":3500,"inter_arrival_us":10000,"memory_mb":32,
                                     "cpu_wait_us":420,"containers":3}}}"""), o);
        assertEquals(List.of("docker", "sim"), List.copyOf(o.getAsJsonObject("backends").keySet()));
    }

    @Test
    void errorsHaveOneShape() {
        assertEquals(json("{\"error\":{\"kind\":\"NOT_FOUND\",\"message\":\"no such endpoint\"}}"),
                Json.error("NOT_FOUND", "no such endpoint"));
    }
}
