package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./vireo} end to end, as a user runs it from two terminals: start in the background, administer over the
 * console socket, stop, and nothing left running. Uses the build the reactor just made (VIREO_NO_BUILD=1).
 */
class ScriptIT {
    private static final Path HOME = Path.of(System.getProperty("vireo.home")).toAbsolutePath().normalize();

    @TempDir
    Path run;

    /** Commands on a private run folder; the APIs on free ports (a Vireo the developer runs does not collide). */
    private VireoScript script() throws IOException {
        if (script == null) {
            script = new VireoScript(run, Map.of(), java.time.Duration.ofSeconds(120));
        }
        return script;
    }

    private VireoScript script;

    private VireoScript.Result vireo(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return script().run(env, args);
    }

    private VireoScript.Result vireo(String... args) throws IOException, InterruptedException {
        return vireo(Map.of(), args);
    }

    /** Starts a profile on free ports (framework properties of the instance). */
    private VireoScript.Result start(String... profile) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("start"));
        args.addAll(List.of(profile));
        args.addAll(List.of("--http-port", Integer.toString(VireoOptions.freePort()), "--grpc-port", "0"));
        return vireo(args.toArray(String[]::new));
    }

    @AfterEach
    void stop() throws Exception {
        vireo("stop");
    }

    @Test
    void startAdministerFromAnotherProcessAndStopLeavesNothingBehind() throws Exception {
        VireoScript.Result start = start();
        assertEquals(0, start.code(), start.out());
        assertTrue(start.out().contains("all-in-one started"), start.out());
        long pid = Long.parseLong(Files.readString(run.resolve("all-in-one/vireo.pid")).trim());
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));

        Path socketDir = run.resolve("all-in-one/console");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socketDir)));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(socketDir.resolve("console.sock"))));

        VireoScript.Result plugins = vireo("console", "-c", "vireo:plugins");
        assertEquals(0, plugins.code(), plugins.out());
        assertTrue(plugins.out().matches("(?s).*queue\\s+fcfs\\s+\\*.*"), plugins.out());

        VireoScript.Result use = vireo("console", "-c", "vireo:use queue sjf", "-c", "vireo:plugins queue");
        assertEquals(0, use.code(), use.out());
        assertTrue(use.out().contains("queue now uses sjf"), use.out());
        assertTrue(use.out().matches("(?s).*queue\\s+sjf\\s+\\*.*"), use.out());

        VireoScript.Result bad = vireo("console", "-c", "vireo:use queue nope");
        assertEquals(1, bad.code(), bad.out());
        assertTrue(bad.out().contains("unknown queue plugin 'nope'; installed: cold-priority, edf, fcfs, mqfq, sjf"), bad.out());

        VireoScript.Result again = start();
        assertEquals(5, again.code(), again.out());
        assertTrue(again.out().contains("already running"), again.out());

        VireoScript.Result status = vireo("status");
        assertEquals(0, status.code(), status.out());
        assertTrue(status.out().contains("vireo: ready"), status.out());

        VireoScript.Result stop = vireo("stop");
        assertEquals(0, stop.code(), stop.out());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "vireo still running");
        assertTrue(ProcessHandle.allProcesses().noneMatch(ph -> ph.info().commandLine().orElse("")
                .contains(run.toString())), "a process of this instance is still running");
        assertFalse(Files.exists(socketDir.resolve("console.sock")), "socket left behind");
    }

    @Test
    void workerAndControllerProfilesBecomeReadyWithTheirOwnPlugins() throws Exception {
        for (String profile : List.of("worker", "controller")) {
            VireoScript.Result start = start(profile);
            assertEquals(0, start.code(), start.out());
            VireoScript.Result plugins = vireo("console", profile, "-c", "vireo:plugins", "-c", "vireo:status");
            assertTrue(plugins.out().contains("vireo: ready"), plugins.out());
            boolean worker = profile.equals("worker");
            assertEquals(worker, plugins.out().matches("(?s).*queue\\s+fcfs\\s+\\*.*"), plugins.out());
            assertEquals(!worker, plugins.out().matches("(?s).*balancer\\s+round-robin\\s+\\*.*"), plugins.out());
            assertEquals(0, vireo("stop", profile).code());
        }
    }

    @Test
    void functionCommandsDriveTheWorkerAndFailClearly() throws Exception {
        assertEquals(0, start().code());
        VireoScript.Result reg = vireo("fn", "register", "hello", "--image", "sim/hello", "--transport", "sim", "--cpus", "0.1",
                "--cold-ms", "20", "--warm-ms", "1");
        assertEquals(0, reg.code(), reg.out());
        assertTrue(reg.out().contains("registered hello-1 (backend sim, transport sim"), reg.out());
        VireoScript.Result again = vireo("fn", "register", "hello", "--image", "sim/hello", "--transport", "sim");
        assertEquals(1, again.code(), again.out());
        assertTrue(again.out().contains("already exists: function hello-1 is already registered (update it to replace it) (HTTP 409)"), again.out());
        VireoScript.Result badNumber = vireo("fn", "register", "x", "--image", "i", "--memory-mb", "lots");
        assertEquals(2, badNumber.code(), badNumber.out());
        assertTrue(badNumber.out().contains("Invalid value for option '--memory-mb': 'lots' is not a double"),
                badNumber.out());

        VireoScript.Result tried = vireo("fn", "try", "hello-1", "-d", "{\"k\":1}");
        assertEquals(0, tried.code(), tried.out());
        assertTrue(tried.out().matches("(?s).*hello-1\\s+first\\s+cold.*hello-1\\s+second\\s+warm.*"), tried.out());
        VireoScript.Result invoked = vireo("fn", "invoke", "hello-1", "-d", "{\"k\":2}", "--json");
        assertEquals(0, invoked.code(), invoked.out());
        assertEquals("{\"echo\":{\"k\":2}}", invoked.out().trim());
        VireoScript.Result async = vireo("fn", "invoke-async", "hello-1", "--tid", "cli-async-1");
        assertEquals("cli-async-1", async.out().trim());
        VireoScript.Result result = vireo("fn", "result", "cli-async-1");
        assertEquals(0, result.code(), result.out());
        VireoScript.Result missing = vireo("fn", "invoke", "nope-1");
        assertEquals(1, missing.code(), missing.out());
        assertTrue(missing.out().contains("function nope-1 is not registered (HTTP 404)"), missing.out());
        VireoScript.Result status = vireo("worker", "status");
        assertTrue(status.out().contains("functions   1") && status.out().contains("hello-1"), status.out());
        assertEquals(0, vireo("fn", "unregister", "hello-1").code());
        assertEquals(0, vireo("stop").code());
        VireoScript.Result down = vireo("fn", "list");
        assertEquals(3, down.code(), down.out());
        assertTrue(down.out().contains("no worker answers at"), down.out());
    }

    /** The activation log from the command line, with what a real function (a process) wrote. */
    @Test
    void activationsAndLogsShowWhatTheFunctionWrote() throws Exception {
        assertEquals(0, start().code());
        VireoScript.Result reg = vireo("fn", "register", "prints", "--code", HOME.resolve("examples/prints").toString(),
                "--handler", "main.handle", "--backend", "process", "--transport", "uds");
        assertEquals(0, reg.code(), reg.out());
        assertEquals(0, vireo("fn", "invoke", "prints-1", "-d", "{\"n\":3}", "--tid", "act-ok").code());
        assertEquals(1, vireo("fn", "invoke", "prints-1", "-d", "{\"n\":\"x\"}", "--tid", "act-bad").code());
        VireoScript.Result list = vireo("fn", "activations");
        assertEquals(0, list.code(), list.out());
        assertTrue(list.out().matches("(?s).*act-bad\\s+prints-1\\s.*user_error.*act-ok\\s+prints-1\\s.*ok.*4 lines.*"),
                list.out());
        VireoScript.Result errors = vireo("fn", "activations", "--status", "error", "--json");
        assertTrue(errors.out().contains("\"count\":1") && errors.out().contains("\"tid\":\"act-bad\""), errors.out());
        VireoScript.Result logs = vireo("fn", "logs", "act-ok");
        assertEquals(0, logs.code(), logs.out());
        assertTrue(logs.out().contains("line 0 to stdout\nline 1 to stdout\nline 2 to stdout")
                && logs.out().contains("a warning to stderr"), logs.out());
        VireoScript.Result bad = vireo("fn", "activations", "--since", "yesterday");
        assertEquals(1, bad.code(), bad.out());
        assertTrue(bad.out().contains("since: 'yesterday' is not an ISO-8601 instant"), bad.out());
        VireoScript.Result missing = vireo("fn", "logs", "nope-9");
        assertTrue(missing.out().contains("activation nope-9 is not in the log"), missing.out());
    }

    @Test
    void consoleWithNothingRunningSaysSo() throws Exception {
        VireoScript.Result r = vireo("console", "-c", "vireo:status");
        assertEquals(3, r.code(), r.out());
        assertTrue(r.out().contains("no Vireo is listening"), r.out());
    }

    @Test
    void simulationSweepsFromTheScriptAndRefusesUnknownPolicies() throws Exception {
        Path trace = run.resolve("trace");
        VireoScript.Result synth = vireo("trace", "synth", "--functions", "4", "--minutes", "2", "--seed", "1", "--rate", "2",
                "--out", trace.toString());
        assertEquals(0, synth.code(), synth.out());
        Path runs = run.resolve("runs");
        VireoScript.Result sweep = vireo("sim", "--trace", trace.toString(), "--workers", "2", "--sweep", "queue=fcfs,sjf",
                "--out", runs.toString(), "--name", "s", "--report", "no");
        assertEquals(0, sweep.code(), sweep.out());
        assertTrue(sweep.out().contains("queue=sjf") && sweep.out().contains("simulated "), sweep.out());
        String summary = Files.readString(runs.resolve("s/queue=fcfs/summary.json"));
        assertTrue(summary.contains("\"simulated\": true"), summary);
        assertTrue(Files.isRegularFile(runs.resolve("s/sweep.json")));
        VireoScript.Result bad = vireo("sim", "--trace", trace.toString(), "--use", "queue=nope", "--out", runs.toString());
        assertEquals(2, bad.code(), bad.out());
        assertTrue(bad.out().contains("unknown queue plugin 'nope'; installed: ") && bad.out().contains("mqfq"),
                bad.out());
    }

    @Test
    void badInputGetsAClearErrorAndExitCode() throws Exception {
        VireoScript.Result profile = start("nope");
        assertEquals(2, profile.code(), profile.out());
        assertTrue(profile.out().contains("unknown profile 'nope'; profiles: all-in-one worker controller"), profile.out());
        VireoScript.Result command = vireo("frobnicate");
        assertEquals(2, command.code(), command.out());
        assertTrue(command.out().contains("unknown command 'frobnicate'"), command.out());
    }

    @Test
    void imageBuildsAreReproducibleAndBadInputIsRefused() throws Exception {
        VireoScript.Result first = vireo("image", "build", "python3", "--tag", "vireo/t:1", "--code",
                HOME.resolve("examples/hello").toString(), "--handler", "main.handle");
        assertEquals(0, first.code(), first.out());
        Path archive = run.resolve("images/vireo_t_1.tar");
        byte[] bytes = Files.readAllBytes(archive);
        assertEquals(0, vireo("image", "build", "python3", "--tag", "vireo/t:1", "--code",
                HOME.resolve("examples/hello").toString(), "--handler", "main.handle").code());
        assertTrue(java.util.Arrays.equals(bytes, Files.readAllBytes(archive)), "same inputs, same archive");
        assertTrue(vireo("image", "list").out().contains("vireo_t_1"));
        VireoScript.Result runtime = vireo("image", "build", "ruby");
        assertTrue(runtime.code() != 0 && runtime.out().contains("unknown runtime 'ruby'; runtimes: openwhisk-python3,"
                + " python3"), runtime.out());
        VireoScript.Result owCode = vireo("image", "build", "openwhisk-python3", "--code",
                HOME.resolve("examples/ow-main").toString(), "--handler", "__main__.main");
        assertTrue(owCode.code() != 0 && owCode.out().contains("takes the action's code through /init"), owCode.out());
        VireoScript.Result code = vireo("image", "build", "python3", "--code", "/nonexistent", "--handler", "main.handle");
        assertTrue(code.code() != 0 && code.out().contains("code directory /nonexistent does not exist"), code.out());
        VireoScript.Result handler = vireo("image", "build", "python3", "--code", HOME.resolve("examples/hello").toString(),
                "--handler", "not-a-handler");
        assertTrue(handler.code() != 0 && handler.out().contains("--handler must be module.function"), handler.out());
        VireoScript.Result tag = vireo("image", "build", "python3", "--tag", "bad tag!");
        assertEquals(2, tag.code(), tag.out());
        assertTrue(tag.out().contains("is not an image reference"), tag.out());
    }

    @Test
    void noJdkIsAClearError(@TempDir Path emptyJvmDir) throws Exception {
        VireoScript.Result r = vireo(Map.of("JAVA_HOME", "/nonexistent", "VIREO_JVM_DIR", emptyJvmDir.toString()), "status");
        assertEquals(3, r.code(), r.out());
        assertTrue(r.out().contains("no JDK >= 21 found"), r.out());
    }
}
