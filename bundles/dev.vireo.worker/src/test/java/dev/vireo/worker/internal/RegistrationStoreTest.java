package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.backend.ContainerRequest;
import dev.vireo.api.worker.WorkerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registrations kept across restarts: the store's files, and a second worker on the same folder registering them again. */
class RegistrationStoreTest {
    private final Restarts fx = new Restarts();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        fx.close();
    }

    private WorkerCore worker() throws Exception {
        return fx.worker(dir, false);
    }

    private static FunctionSpec fn(String name, String backend) {
        return new FunctionSpec(name, "2.0", "img", "", "", backend, Compute.CPU, "fake", 256, 0.25,
                Duration.ofMillis(1_500), 3, new ExpectedTimings(40, 7), 64);
    }

    private InvocationRecord call(WorkerCore w, String id) {
        CompletableFuture<InvocationRecord> f = w.invoke(null, id, "{}").toCompletableFuture();
        fx.time.runUntil(f::isDone, Duration.ofMinutes(1));
        return f.join();
    }

    @Test
    void everyFieldSurvivesTheFileAndABadFileIsReportedNotFatal() throws Exception {
        FunctionStore store = FunctionStore.in(dir.resolve("s"));
        FunctionSpec a = fn("a", "fake");
        FunctionSpec b = new FunctionSpec("b", "1", "", dir.toString(), "main.handle", "", Compute.GPU, "fake", 128, 1,
                Duration.ofMinutes(15), 1, ExpectedTimings.UNKNOWN);
        FunctionSpec team = fn("a", "fake").withNamespace("team-a");
        store.save(a);
        store.save(b);
        store.save(team);
        Files.writeString(dir.resolve("s/broken-1.properties"), "name=broken\nversion=1\nmemory_mb=lots\n");
        Files.writeString(dir.resolve("s/renamed-1.properties"), Files.readString(dir.resolve("s/a-2.0.properties")));
        List<FunctionStore.Stored> loaded = store.load();
        assertEquals(team, loaded.remove(loaded.size() - 1).spec(), "its namespace too (file team-a:a-2.0.properties)");
        assertEquals(List.of("a-2.0.properties", "b-1.properties", "broken-1.properties", "renamed-1.properties"),
                loaded.stream().map(s -> s.file().getFileName().toString()).toList());
        assertEquals(a, loaded.get(0).spec());
        assertEquals(b, loaded.get(1).spec());
        assertNull(loaded.get(2).spec());
        assertTrue(loaded.get(2).problem().contains("compute") || loaded.get(2).problem().contains("lots"),
                loaded.get(2).problem());
        assertEquals("it holds a-2.0, not what its name says", loaded.get(3).problem());
        store.remove("a-2.0");
        store.remove("a-2.0"); // gone already: nothing to do
        store.remove("team-a:a-2.0");
        assertEquals(3, store.load().size());
        try (var s = Files.list(dir.resolve("s"))) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file is left");
        }
    }

    @Test
    void variablesAndParametersStayInTheRegistrationAndSecretsApartReadableByTheWorkerOnly() throws Exception {
        FunctionStore store = FunctionStore.in(dir.resolve("s"));
        FunctionSpec a = fn("a", "fake").withConfig(new dev.vireo.api.model.FunctionConfig(
                java.util.Map.of("MODE", "prod", "GREETING", "h\u00e9llo = w\u00f6rld"), "{\"n\": 1.50, \"k\":[true]}",
                java.util.Map.of("DB_PASSWORD", "p4ss:w0rd=\u263a")));
        store.save(a);
        assertEquals(a, store.load().get(0).spec());
        String registration = Files.readString(dir.resolve("s/a-2.0.properties"), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(registration.contains("env.MODE=prod"), registration);
        assertTrue(registration.contains("secrets=DB_PASSWORD"), "their names: " + registration);
        assertFalse(registration.contains("p4ss"), "never their values: " + registration);
        Path secrets = dir.resolve("s/a-2.0.secrets");
        assertTrue(Files.readString(secrets).contains("DB_PASSWORD"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(secrets)));

        Files.writeString(secrets, "OTHER=x\n");
        assertEquals("a-2.0.secrets holds the secrets [OTHER], not DB_PASSWORD as the registration says",
                store.load().get(0).problem(), "reported, never restored without its secrets");
        Files.delete(secrets);
        assertEquals("its secrets (DB_PASSWORD) are not in a-2.0.secrets", store.load().get(0).problem());
        store.save(a);
        FunctionSpec dotted = new FunctionSpec("b", "x.properties", "img", "", "", "fake", dev.vireo.api.model.Compute.CPU,
                "fake", 128, 1, Duration.ofSeconds(1), 1, null).withConfig(a.config());
        store.save(dotted);
        assertEquals(dotted, store.load().get(1).spec(), "a version with .properties in it finds its secrets");
        store.remove(dotted.id());

        store.save(a.withConfig(dev.vireo.api.model.FunctionConfig.NONE)); // updated without secrets: none kept
        assertFalse(Files.exists(secrets));
        store.save(a);
        store.remove("a-2.0");
        try (var s = Files.list(dir.resolve("s"))) {
            assertEquals(0, s.count(), "removed with its registration");
        }
    }

    @Test
    void aRestartedWorkerRegistersWhatTheFirstHeldAndForgetsWhatWasUnregistered() throws Exception {
        WorkerCore first = worker();
        first.register(fn("kept", "fake"));
        first.register(fn("dropped", "fake"));
        first.unregister("dropped-2.0");
        assertTrue(call(first, "kept-2.0").success());
        first.close(); // as good as kill -9 for the store: nothing is written at stop

        WorkerCore second = worker();
        fx.time.runFor(Duration.ofMillis(10));
        assertEquals(List.of("kept-2.0"), second.functions().stream().map(FunctionSpec::id).toList());
        assertEquals(fn("kept", "fake"), second.functions().get(0));
        assertTrue(call(second, "kept-2.0").success());
        assertEquals(ErrorKind.ALREADY_EXISTS, assertThrows(WorkerException.class,
                () -> second.register(fn("kept", "fake"))).kind());
    }

    /**
     * kill -9, then start: a container the dead worker left running is taken back warm for its registration, restored
     * as it was; one made for another registration of its function, one whose transport cannot reach it again and one
     * of a function no longer stored are reclaimed once the registrations are back; new containers get ids of their own.
     */
    @Test
    void containersLeftRunningAreTakenBackWarmAndTheRestReclaimed() throws Exception {
        WorkerCore first = worker();
        for (String name : List.of("a", "b", "c", "d")) {
            first.register(fn(name, "fake"));
            assertEquals(dev.vireo.api.model.ContainerState.COLD, call(first, name + "-2.0").state().orElseThrow());
        }
        Map<String, String> made = new java.util.HashMap<>(); // function id -> its container
        fx.backend.running.forEach((id, r) -> made.put(r.function().id(), id));
        // b's container was made for another registration of b (the labels say so), c's folder is gone, d is no
        // longer stored (its file lost)
        ContainerRequest b = fx.backend.running.get(made.get("b-2.0"));
        Map<String, String> other = new java.util.HashMap<>(b.labels());
        other.put(ContainerLifecycle.SPEC_LABEL, "0123456789abcdef");
        fx.backend.running.put(b.id(), new ContainerRequest(b.id(), b.tid(), b.function(), b.instance(), b.binding(),
                other, b.devices()));
        fx.backend.unreachable.add(made.get("c-2.0"));
        Files.delete(dir.resolve("state/functions/d-2.0.properties"));
        // a container of a numbered far ahead of this clock (made for another registration: reclaimed)
        String aId = made.get("a-2.0");
        String ahead = aId.substring(0, aId.lastIndexOf('-') + 1) + Long.toString(Long.MAX_VALUE / 4, 36);
        ContainerRequest aReq = fx.backend.running.get(aId);
        fx.backend.running.put(ahead, new ContainerRequest(ahead, "t", aReq.function(), aReq.instance(),
                aReq.binding(), other, aReq.devices()));
        fx.backend.restart(); // killed: the containers run on

        WorkerCore second = worker();
        fx.time.runUntil(() -> fx.backend.reclaimed.size() == 4, Duration.ofSeconds(10));
        assertEquals(List.of(made.get("b-2.0"), made.get("c-2.0"), made.get("d-2.0"), ahead).stream().sorted().toList(),
                fx.backend.reclaimed);
        assertEquals(List.of("a-2.0", "b-2.0", "c-2.0"), second.functions().stream().map(FunctionSpec::id).sorted()
                .toList());
        int created = fx.backend.created.size();
        InvocationRecord a = call(second, "a-2.0");
        assertTrue(a.success(), a.toString());
        assertEquals(dev.vireo.api.model.ContainerState.WARM, a.state().orElseThrow(), "taken back: " + a);
        assertEquals(created, fx.backend.created.size(), "no container made for a");
        assertTrue(fx.backend.held.contains(made.get("a-2.0")) && !fx.backend.destroyed.contains(made.get("a-2.0")),
                "its container is the dead worker's, held by this one");
        for (String id : List.of("b-2.0", "c-2.0")) {
            InvocationRecord r = call(second, id);
            assertEquals(dev.vireo.api.model.ContainerState.COLD, r.state().orElseThrow(), r.toString());
        }
        assertEquals(created + 2, fx.backend.created.size());
        // another container of a: numbered past every container the last run left, never one of their ids
        CompletableFuture<Integer> more = second.prewarm("a-2.0", 1).toCompletableFuture();
        fx.time.runUntil(more::isDone, Duration.ofSeconds(10));
        assertEquals(1, more.join());
        String newest = fx.backend.created.get(fx.backend.created.size() - 1);
        assertTrue(!made.containsValue(newest) && newest.startsWith(aId.substring(0, aId.lastIndexOf('-') + 1)),
                newest + " vs " + made);
        assertTrue(Long.parseLong(newest.substring(newest.lastIndexOf('-') + 1), 36) > Long.MAX_VALUE / 4,
                "numbered past every id the last run left: " + newest);
        assertEquals(created + 3, new java.util.HashSet<>(fx.backend.created).size(), "no id made twice");
    }

    /** A container made from code since edited in its folder is not taken back: the restart runs the code as it is. */
    @Test
    void aContainerOfCodeEditedSinceIsNotTakenBack() throws Exception {
        Path code = Files.createDirectories(dir.resolve("code"));
        Files.writeString(code.resolve("main.py"), "def handle(event):\n    return 1\n");
        FunctionSpec fn = new FunctionSpec("c", "1", "", code.toString(), "main.handle", "fake", Compute.CPU, "fake",
                128, 0.25, Duration.ofSeconds(1), 1, null);
        WorkerCore first = worker();
        first.register(fn);
        call(first, "c-1");
        String old = fx.backend.created.get(0);
        Files.writeString(code.resolve("main.py"), "def handle(event):\n    return 2  # edited\n");
        fx.backend.restart();
        WorkerCore second = worker();
        fx.time.runUntil(() -> fx.backend.reclaimed.contains(old), Duration.ofSeconds(10));
        assertEquals(List.of(old), fx.backend.reclaimed);
        assertEquals(dev.vireo.api.model.ContainerState.COLD, call(second, "c-1").state().orElseThrow());

        // the same code, untouched: taken back
        String made = fx.backend.created.get(fx.backend.created.size() - 1);
        fx.backend.restart();
        WorkerCore third = worker();
        fx.time.runUntil(() -> fx.backend.held.contains(made), Duration.ofSeconds(10));
        assertEquals(dev.vireo.api.model.ContainerState.WARM, call(third, "c-1").state().orElseThrow());
        assertEquals(List.of(old), fx.backend.reclaimed);
        assertEquals("", CodeState.of(""));
        assertEquals(16, CodeState.of(code.toString()).length());
        assertEquals(CodeState.of(code.toString()), CodeState.of(code.toString()));
    }

    @Test
    void oneWhoseBackendIsNotThereYetWaitsForItAndCanBeUnregisteredMeanwhile() throws Exception {
        WorkerCore first = worker();
        fx.registry.put(ContainerBackend.class, "late", fx.backend);
        first.register(fn("late", "late"));
        first.register(fn("never", "late"));
        first.close();
        fx.registry.remove(ContainerBackend.class, "late");

        WorkerCore second = worker();
        fx.time.runFor(Duration.ofSeconds(3));
        assertEquals(List.of(), second.functions());
        second.unregister("never-2.0"); // waiting: dropped, and its file with it
        assertFalse(Files.exists(dir.resolve("state/functions/never-2.0.properties")));
        fx.registry.put(ContainerBackend.class, "late", fx.backend);
        fx.time.runFor(Duration.ofSeconds(2)); // tried again once a second
        assertEquals(List.of("late-2.0"), second.functions().stream().map(FunctionSpec::id).toList());
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, assertThrows(WorkerException.class,
                () -> second.unregister("never-2.0")).kind());
    }

    @Test
    void aRegistrationThroughTheApiReplacesOneStillWaitingAndUnregisteringThenRemovesIt() throws Exception {
        WorkerCore first = worker();
        fx.registry.put(ContainerBackend.class, "late", fx.backend);
        first.register(fn("f", "late"));
        first.close();
        fx.registry.remove(ContainerBackend.class, "late");

        WorkerCore second = worker();
        fx.time.runFor(Duration.ofSeconds(2)); // f waits for its backend
        second.register(fn("f", "fake")); // the API registers f on another backend meanwhile
        assertEquals("fake", second.functions().get(0).backend());
        fx.registry.put(ContainerBackend.class, "late", fx.backend);
        fx.time.runFor(Duration.ofSeconds(2)); // the stored one no longer waits: it must not come back
        assertEquals("fake", second.functions().get(0).backend());
        second.unregister("f-2.0");
        assertEquals(List.of(), second.functions(), "unregistered from the table, not only from the waiting ones");
        assertFalse(Files.exists(dir.resolve("state/functions/f-2.0.properties")));
        WorkerCore third = worker();
        fx.time.runFor(Duration.ofSeconds(2));
        assertEquals(List.of(), third.functions());
    }

    @Test
    void aRegistrationThatCannotBeStoredIsRefusedAndLeavesNothingBehind() throws Exception {
        WorkerCore w = worker();
        Path functions = dir.resolve("state/functions");
        Files.delete(functions);
        Files.writeString(functions, "not a folder");
        WorkerException e = assertThrows(WorkerException.class, () -> w.register(fn("x", "fake")));
        assertEquals(ErrorKind.INTERNAL, e.kind());
        assertTrue(e.getMessage().startsWith("function x-2.0 is not registered: it could not be stored for restarts in "),
                e.getMessage());
        assertEquals(List.of(), w.functions());
        Files.delete(functions);
        Files.createDirectories(functions);
        functions.toFile().setWritable(false);
        try {
            if (!Files.isWritable(functions)) { // root writes anyway
                assertEquals(ErrorKind.INTERNAL, assertThrows(WorkerException.class, () -> w.register(fn("y", "fake")))
                        .kind());
            }
        } finally {
            functions.toFile().setWritable(true);
        }
        try (var files = Files.list(functions)) {
            assertEquals(List.of(), files.toList(), "no temporary file is left by a failed save");
        }
    }
}
