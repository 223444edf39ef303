package dev.vireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.worker.WorkerService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The real Python agent (agent/python/vireo_agent.py) over the uds transport, run by the process backend, inside
 * Felix: the sample functions of examples/, and every failure staying on its own invocation. Subclasses run the same
 * tests over the other transports.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AgentIT extends FrameworkTest {

    @Inject
    private WorkerService worker;

    @Configuration
    public Option[] config() throws Exception {
        return VireoOptions.profile("all-in-one", "backend,transport,resource,queue,keepalive,balancer");
    }

    /** The transport under test. */
    protected String transport() {
        return "uds";
    }

    @After
    public void unregisterAll() {
        worker.functions().forEach(f -> worker.unregister(f.id()));
    }

    private FunctionSpec example(String name, String handler, long timeoutMs) {
        Path code = Path.of(context.getProperty("vireo.home"), "examples", name);
        return new FunctionSpec(name, "1", "", code.toString(), handler, "process", Compute.CPU, transport(), 128, 0.5,
                Duration.ofMillis(timeoutMs), 1, null);
    }

    private InvocationRecord invoke(String id, String payload) throws Exception {
        return worker.invoke(null, id, payload).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Test
    public void helloColdThenWarmThroughTheRealAgent() throws Exception {
        worker.register(example("hello", "main.handle", 10_000));
        InvocationRecord cold = invoke("hello-1", "{\"name\":\"felix\"}");
        assertTrue(cold.toString(), cold.success());
        assertEquals("{\"greeting\": \"hello, felix\"}", cold.result());
        assertEquals(ContainerState.COLD, cold.state().orElseThrow());
        assertTrue("cold start includes the agent's readiness", cold.timings().coldStartUs() > 1_000);
        InvocationRecord warm = invoke("hello-1", "{}");
        assertEquals(ContainerState.WARM, warm.state().orElseThrow());
        assertTrue(warm.timings().executionUs() < warm.timings().e2eUs());
        worker.register(example("cpu-bound", "main.handle", 10_000));
        InvocationRecord cpu = invoke("cpu-bound-1", "{\"n\":1000}");
        assertTrue(cpu.result(), cpu.result().contains("\"n\": 1000"));
    }

    /**
     * Functions written for OpenWhisk run unchanged: no payload passes {} (so args.get works), and the handler module
     * __main__ is the function's own __main__.py, not the agent's script (whose main() takes no argument).
     */
    @Test
    public void openWhiskStyleFunctionsRunUnchanged() throws Exception {
        worker.register(example("no-payload", "main.handle", 10_000));
        for (String none : new String[] {"", "null", null}) {
            InvocationRecord r = invoke("no-payload-1", none);
            assertTrue(r.toString(), r.success());
            assertEquals("{\"greeting\": \"hello, stranger\"}", r.result());
        }
        worker.register(example("ow-main", "__main__.main", 10_000));
        InvocationRecord bare = invoke("ow-main-1", "");
        assertTrue(bare.toString(), bare.success());
        assertEquals("{\"greeting\": \"hello, stranger\"}", bare.result());
        InvocationRecord named = invoke("ow-main-1", "{\"name\":\"whisk\"}");
        assertEquals("{\"greeting\": \"hello, whisk\"}", named.result());
    }

    /**
     * Names the API allows but OS objects do not (63 characters, '_', "--", a trailing '-') register and run: the
     * worker names their containers, socket and FIFO folders with short derived ids.
     */
    @Test
    public void everyValidNameRunsLongOnesAndUnderscoresIncluded() throws Exception {
        Path hello = Path.of(context.getProperty("vireo.home"), "examples", "hello");
        String longest = "a_long_function_name_with_underscores_that_takes_63_characters_";
        assertEquals(63, longest.length());
        for (String name : new String[] {longest, "x--y", "trail-", "trail_"}) {
            worker.register(new FunctionSpec(name, "1", "", hello.toString(), "main.handle", "process", Compute.CPU,
                    transport(), 128, 0.5, Duration.ofSeconds(10), 1, null));
            InvocationRecord r = invoke(name + "-1", "{\"name\":\"" + name + "\"}");
            assertTrue(r.toString(), r.success());
            assertEquals("{\"greeting\": \"hello, " + name + "\"}", r.result());
        }
    }

    @Test
    public void aRaisingHandlerIsAUserErrorWithItsTracebackAndKeepsItsContainer() throws Exception {
        worker.register(example("raises", "main.handle", 10_000));
        InvocationRecord first = invoke("raises-1", "{}");
        assertEquals(ErrorKind.USER_ERROR, first.error().orElseThrow().kind());
        assertEquals("ZeroDivisionError: division by zero", first.error().orElseThrow().message());
        assertTrue(first.error().orElseThrow().detail().contains("examples/raises/main.py"));
        InvocationRecord second = invoke("raises-1", "{}");
        assertEquals("the container survived", ContainerState.WARM, second.state().orElseThrow());
    }

    @Test
    public void aCrashOrATimeoutFailsOnlyThatInvocation() throws Exception {
        worker.register(example("crashes", "main.handle", 10_000));
        InvocationRecord crash = invoke("crashes-1", "{}");
        assertEquals(ErrorKind.CONTAINER_FAILED, crash.error().orElseThrow().kind());
        worker.register(example("sleep", "main.handle", 300));
        InvocationRecord slow = invoke("sleep-1", "{\"ms\":3000}");
        assertEquals(ErrorKind.TIMEOUT, slow.error().orElseThrow().kind());
        assertEquals("sleep-1 timed out after 300 ms", slow.error().orElseThrow().message());
        InvocationRecord fine = invoke("sleep-1", "{\"ms\":10}");
        assertTrue(fine.toString(), fine.success());
        assertEquals("a fresh container replaced the timed-out one", ContainerState.COLD, fine.state().orElseThrow());
        assertEquals(0, worker.status().running());
    }

    @Test
    public void startFailuresSayWhy() throws Exception {
        Path hello = Path.of(context.getProperty("vireo.home"), "examples", "hello");
        // a handler the module does not define is refused at registration (the worker reads the module)
        dev.vireo.api.model.ValidationException typo = org.junit.Assert.assertThrows(
                dev.vireo.api.model.ValidationException.class, () -> worker.register(new FunctionSpec("typo", "1", "",
                        hello.toString(), "main.nope", "process", Compute.CPU, transport(), 128, 0.5,
                        Duration.ofSeconds(10), 1, null)));
        assertEquals("handler", typo.field());
        // one that binds it but cannot be imported fails when its container starts, saying why
        Path code = java.nio.file.Files.createTempDirectory("vireo-broken-");
        java.nio.file.Files.writeString(code.resolve("main.py"), "import no_such_module\n\ndef handle(args):\n    return 1\n");
        worker.register(new FunctionSpec("broken", "1", "", code.toString(), "main.handle", "process", Compute.CPU,
                transport(), 128, 0.5, Duration.ofSeconds(10), 1, null));
        InvocationRecord r = invoke("broken-1", "{}");
        assertEquals(ErrorKind.START_FAILED, r.error().orElseThrow().kind());
        assertTrue(r.error().orElseThrow().message(),
                r.error().orElseThrow().message().contains("handler could not be loaded: ModuleNotFoundError"));
        worker.register(new FunctionSpec("img", "1", "vireo/python3", "", "", "process", Compute.CPU, transport(), 128, 0.5,
                Duration.ofSeconds(10), 1, null));
        InvocationRecord image = invoke("img-1", "{}");
        assertEquals(ErrorKind.START_FAILED, image.error().orElseThrow().kind());
        assertTrue(image.error().orElseThrow().message().contains("the process backend runs code directories"));
    }

    @Test
    public void unregisteringStopsTheAgents() throws Exception {
        // by pid: agents of earlier tests may still be exiting, so counts alone race with them
        java.util.Set<Long> before = agentPids();
        worker.register(example("hello", "main.handle", 10_000));
        invoke("hello-1", "{}");
        java.util.Set<Long> started = agentPids();
        started.removeAll(before);
        assertEquals("one agent started for the function: " + started, 1, started.size());
        worker.unregister("hello-1");
        await("agent stopped", () -> started.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                .orElse(false)));
    }

    private static java.util.Set<Long> agentPids() {
        return ProcessHandle.allProcesses().filter(h -> h.info().commandLine().orElse("").contains("vireo_agent.py"))
                .map(ProcessHandle::pid).collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
    }
}
