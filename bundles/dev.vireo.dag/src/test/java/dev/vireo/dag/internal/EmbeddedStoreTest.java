package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vireo.api.spi.dag.DagStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store passes the contract with its outputs in memory ({@link SpillingEmbeddedStoreTest}: in files). */
class EmbeddedStoreTest extends DagStoreContract {
    @TempDir
    Path spill;

    @Override
    protected DagStore newStore() {
        return new EmbeddedStore(256L * 1024 * 1024, spill);
    }

    @Override
    protected void assertNothingLeftOf(String run) {
        assertEquals(0, ((EmbeddedStore) store).inMemoryBytes() - inMemoryOfOtherRuns(), "memory given back");
        assertFalse(Files.exists(spill.resolve(run)), "no spill folder");
    }

    /** What the contract's other run (r2, output "A2") still holds in memory. */
    long inMemoryOfOtherRuns() {
        return 2L * "A2".length();
    }

    @Test
    void droppedAndDeletedOutputsGiveTheirMemoryBack() {
        EmbeddedStore s = (EmbeddedStore) store;
        s.create("r", "", "", Map.of("a", 0, "b", 0), 2);
        s.settle("r", "a", "1234");
        s.settle("r", "b", "56");
        assertEquals(12, s.inMemoryBytes());
        s.dropOutputs("r", List.of("a"));
        assertEquals(4, s.inMemoryBytes());
        s.delete("r");
        assertEquals(0, s.inMemoryBytes());
    }
}
