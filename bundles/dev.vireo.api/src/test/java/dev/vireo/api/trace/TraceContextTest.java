package dev.vireo.api.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TraceContextTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";

    @Test
    void aHeaderIsReadAsW3cTraceContextLevel1Says() {
        TraceContext c = TraceContext.parse("00-" + TRACE + "-" + SPAN + "-01").orElseThrow();
        assertEquals(new TraceContext(TRACE, SPAN, true), c);
        assertEquals("00-" + TRACE + "-" + SPAN + "-01", c.header());
        assertFalse(TraceContext.parse("00-" + TRACE + "-" + SPAN + "-00").orElseThrow().sampled());
        assertTrue(TraceContext.parse(" 00-" + TRACE + "-" + SPAN + "-03 ").orElseThrow().sampled(), "other flag bits");
        assertEquals(Optional.of(c), TraceContext.parse("cc-" + TRACE + "-" + SPAN + "-01-what-comes-later"),
                "a later version: its first four fields");
        for (String bad : new String[] {null, "", "00-" + TRACE + "-" + SPAN + "-01-extra", "ff-" + TRACE + "-" + SPAN
                + "-01", "00-" + TRACE.toUpperCase() + "-" + SPAN + "-01", "00-" + "0".repeat(32) + "-" + SPAN + "-01",
                "00-" + TRACE + "-" + "0".repeat(16) + "-01", "00-" + TRACE + "-" + SPAN, "00-" + TRACE + "-" + SPAN
                + "-1", "0-" + TRACE + "-" + SPAN + "-01", "00_" + TRACE + "_" + SPAN + "_01"}) {
            assertEquals(Optional.empty(), TraceContext.parse(bad), String.valueOf(bad));
        }
    }

    @Test
    void aRepeatedTraceparentIsNoContextAndTracestateIsKeptAndHandedOn() {
        String h = "00-" + TRACE + "-" + SPAN + "-01";
        assertEquals(Optional.empty(), TraceContext.parse(java.util.List.of(h, h), java.util.List.of()));
        assertEquals(Optional.empty(), TraceContext.parse(java.util.List.of(), java.util.List.of("a=1")));
        TraceContext c = TraceContext.parse(java.util.List.of(h), java.util.List.of("a=1", "b=2")).orElseThrow();
        assertEquals("a=1,b=2", c.state(), "several headers are one list");
        assertEquals("a=1,b=2", c.child().state());
        assertEquals("", TraceContext.parse(h).orElseThrow().state());
    }

    @Test
    void newContextsAreWellFormedAndAChildKeepsTheTrace() {
        TraceContext root = TraceContext.root();
        assertTrue(root.sampled());
        assertEquals(Optional.of(root), TraceContext.parse(root.header()));
        TraceContext child = root.child();
        assertEquals(root.traceId(), child.traceId());
        assertNotEquals(root.spanId(), child.spanId());
        assertNotEquals(root.traceId(), TraceContext.root().traceId());
    }
}
