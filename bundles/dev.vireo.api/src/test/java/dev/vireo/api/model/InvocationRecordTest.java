package dev.vireo.api.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.validation.Results;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A record's output: absent is {@link Output#NONE}, and it stays through every copy the platform makes. */
class InvocationRecordTest {
    static final Output PRINTED = new Output("hello\n", "warning\n", true);

    static InvocationRecord record(String result, Output output) {
        return new InvocationRecord("t-1", "hello-1", "worker-1", "sim", Optional.of(ContainerState.WARM),
                Instant.EPOCH, Timings.NONE, result, Optional.empty(), Optional.empty(), output);
    }

    @Test
    void recordsAndRepliesMadeWithoutOutputHaveNone() {
        InvocationRecord direct = new InvocationRecord("t-1", "hello-1", "w", "sim", Optional.empty(), Instant.EPOCH,
                Timings.NONE, "1", Optional.empty());
        assertEquals(Output.NONE, direct.output());
        assertEquals(Output.NONE, new InvocationRecord("t-1", "hello-1", "w", "sim", Optional.empty(), Instant.EPOCH,
                Timings.NONE, "1", Optional.empty(), Optional.empty()).output());
        assertEquals(Output.NONE, record("1", null).output());
        assertEquals(Output.NONE, new AgentReply(0, 1, 1, false, true, "1", "", "", "").output());
        assertEquals(Output.NONE, new AgentReply(0, 1, 1, false, true, "1", "", "", "", null).output());
    }

    @Test
    void outputIsEmptyOnlyWithNothingWrittenAndNothingCut() {
        assertTrue(Output.NONE.isEmpty());
        assertTrue(new Output(null, null, false).isEmpty());
        assertEquals(Output.NONE, new Output(null, null, false));
        assertFalse(new Output("x", "", false).isEmpty());
        assertFalse(new Output("", "x", false).isEmpty());
        assertFalse(new Output("", "", true).isEmpty(), "limit 0: nothing kept, but something was written");
    }

    @Test
    void routingAndTheResultCheckKeepTheOutput() {
        InvocationRecord routed = record("1", PRINTED).withRouting(new Routing("ctl-1", 1, 2, 3, 4));
        assertEquals(PRINTED, routed.output());

        InvocationRecord refused = Results.checked(record("NaN", PRINTED));
        assertFalse(refused.success());
        assertEquals(ErrorKind.USER_ERROR, refused.error().orElseThrow().kind());
        assertEquals(PRINTED, refused.output(), "what the function printed helps find why its result was refused");
    }
}
