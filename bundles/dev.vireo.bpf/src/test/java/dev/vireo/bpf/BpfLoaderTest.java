package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The loader on this host's kernel: rqlat loads, pins and goes away cleanly; sched falls back (no sched_ext). */
class BpfLoaderTest {
    private static final Duration READY = Duration.ofSeconds(30);
    @RegisterExtension
    static final Bpffs BPFFS = new Bpffs();
    private BpfArtifacts artifacts;

    @BeforeEach
    void built() {
        Kernel.assumeBpf();
        BPFFS.root();
        artifacts = Artifacts.assumeBuilt();
    }

    private Path pinDir(String name) {
        return BPFFS.root().resolve("vireo-test-" + ProcessHandle.current().pid() + "-" + name);
    }

    @Test
    void schedWithoutSchedExtIsUnavailableWithOneClearLine() {
        assumeTrue(!Files.exists(Path.of("/sys/kernel/sched_ext")), "skipped: this kernel has sched_ext");
        SchedExtUnavailable e = assertThrows(SchedExtUnavailable.class, () -> BpfLoader.start(artifacts.loader(),
                BpfLoader.Kind.SCHED, artifacts.schedObject(), pinDir("sched"), READY));
        assertTrue(e.getMessage().contains("no sched_ext") && e.getMessage().contains("/sys/kernel/sched_ext"),
                e.getMessage());
        assertEquals(1, e.getMessage().strip().lines().count(), e.getMessage());
        assertFalse(Files.exists(pinDir("sched")), "nothing pinned");
    }

    /** Starts rqlat pinning in {@code dir}; adds the ids of the programs it attached (there must be 3) to {@code ours}. */
    private BpfLoader startRqlat(Path dir, Set<Integer> ours) throws Exception {
        Bpftool.assumePresent();
        Set<Integer> before = Bpftool.programs("vireo_rq");
        BpfLoader loader = BpfLoader.start(artifacts.loader(), BpfLoader.Kind.RQLAT, artifacts.rqlatObject(), dir,
                READY);
        ours.addAll(Bpftool.programs("vireo_rq"));
        ours.removeAll(before);
        assertEquals(3, ours.size(), "wakeup, wakeup_new and switch attached: " + ours);
        return loader;
    }

    @Test
    void rqlatPinsItsMapsAttachesAndACleanStopUnpinsAndDetaches() throws Exception {
        Path dir = pinDir("clean");
        Set<Integer> ours = new HashSet<>();
        BpfLoader loader = startRqlat(dir, ours);
        try {
            for (String map : new String[] {RunQueueMaps.TRACKED, RunQueueMaps.HISTOGRAMS, "vireo_rqstart"}) {
                assertTrue(Files.exists(dir.resolve(map)), map + " pinned under " + dir);
            }
            assertTrue(loader.alive());
        } finally {
            assertEquals(0, loader.stop(), () -> "a clean stop exits 0; stderr: " + loader.stderr());
            loader.close();
        }
        assertFalse(Files.exists(dir), "the pins and their directory are gone after a clean stop");
        Set<Integer> left = Bpftool.stillLoaded(ours, "vireo_rq", 10);
        assertTrue(left.isEmpty(), "programs still loaded 10 s after the stop: " + left);
    }

    @Test
    void aKilledLoaderLeavesNoProgramAttachedAndTheNextOneReplacesItsStalePins() throws Exception {
        Path dir = pinDir("killed");
        Set<Integer> ours = new HashSet<>();
        BpfLoader first = startRqlat(dir, ours);
        first.kill();
        first.close();
        assertFalse(first.alive());
        Set<Integer> left = Bpftool.stillLoaded(ours, "vireo_rq", 10);
        assertTrue(left.isEmpty(), "programs of a SIGKILLed loader still loaded 10 s later: " + left);
        assertTrue(Files.exists(dir.resolve(RunQueueMaps.HISTOGRAMS)), "SIGKILL leaves the pins behind");
        long staleId = mapId(dir.resolve(RunQueueMaps.HISTOGRAMS));
        try (BpfLoader second = BpfLoader.start(artifacts.loader(), BpfLoader.Kind.RQLAT, artifacts.rqlatObject(),
                dir, READY)) {
            assertTrue(mapId(dir.resolve(RunQueueMaps.HISTOGRAMS)) != staleId, "the stale pin was replaced");
        }
        assertFalse(Files.exists(dir));
    }

    private static long mapId(Path pin) throws IOException {
        try (BpfMap m = BpfMap.open(pin)) {
            return m.id();
        }
    }

    @Test
    void aPinDirectoryOutsideBpffsFailsSayingSo(@TempDir Path tmp) {
        IOException e = assertThrows(IOException.class, () -> BpfLoader.start(artifacts.loader(),
                BpfLoader.Kind.RQLAT, artifacts.rqlatObject(), tmp.resolve("pins"), READY));
        assertTrue(e.getMessage().contains("not on a bpf filesystem") && e.getMessage().contains("exited with 1"),
                e.getMessage());
    }

    @Test
    void anObjectThatIsNotBpfFailsWithLibbpfsMessage(@TempDir Path tmp) throws Exception {
        Path junk = Files.writeString(tmp.resolve("junk.bpf.o"), "not an ELF file");
        IOException e = assertThrows(IOException.class, () -> BpfLoader.start(artifacts.loader(),
                BpfLoader.Kind.RQLAT, junk, pinDir("junk"), READY));
        assertTrue(e.getMessage().contains("cannot open " + junk), e.getMessage());
    }

    @Test
    void missingArtifactsAreNamedWithHowToBuildThem(@TempDir Path tmp) {
        String why = BpfArtifacts.in(tmp).missing().orElseThrow();
        assertTrue(why.contains(tmp.resolve("bpf/target/vireo-bpf").toString()) && why.contains("clang + libbpf-dev"),
                why);
        IOException e = assertThrows(IOException.class, () -> BpfArtifacts.in(tmp).require());
        assertEquals(why, e.getMessage());
    }
}
