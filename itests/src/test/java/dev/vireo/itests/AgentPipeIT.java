package dev.vireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.worker.WorkerService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** The agent tests over FIFO pairs, plus concurrent invocations on one container (one pair each). */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AgentPipeIT extends AgentIT {
    @Inject
    private WorkerService worker;

    @Override
    protected String transport() {
        return "pipe";
    }

    @Test
    public void oneContainerServesConcurrentInvocationsOverSeveralPairs() throws Exception {
        Path code = Path.of(context.getProperty("vireo.home"), "examples", "sleep");
        worker.register(new FunctionSpec("sleepy", "1", "", code.toString(), "main.handle", "process", Compute.CPU,
                "pipe", 128, 0.5, Duration.ofSeconds(10), 4, null));
        assertTrue(worker.invoke(null, "sleepy-1", "{\"ms\":1}").toCompletableFuture().get(60, TimeUnit.SECONDS).success());
        List<CompletableFuture<InvocationRecord>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(worker.invoke(null, "sleepy-1", "{\"ms\":300}").toCompletableFuture());
        }
        for (var call : calls) {
            InvocationRecord r = call.get(60, TimeUnit.SECONDS);
            assertTrue(r.toString(), r.success());
            assertEquals("all four ran in the one warm container", ContainerState.WARM, r.state().orElseThrow());
        }
    }
}
