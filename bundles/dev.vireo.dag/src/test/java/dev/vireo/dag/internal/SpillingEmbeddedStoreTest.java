package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vireo.api.spi.dag.DagStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store with memory 0 passes the contract too: every output goes to a file of its own and back. */
class SpillingEmbeddedStoreTest extends DagStoreContract {
    @TempDir
    Path spill;

    @Override
    protected DagStore newStore() {
        return new EmbeddedStore(0, spill);
    }

    @Override
    protected void assertNothingLeftOf(String run) {
        assertEquals(0, ((EmbeddedStore) store).inMemoryBytes(), "nothing in memory");
        assertFalse(Files.exists(spill.resolve(run)), "no spill folder left for " + run);
    }
}
