package dev.vireo.worker.grpc.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.cluster.ClusterMembers;
import dev.vireo.api.cluster.ClusterService;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.dag.DagPeers;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.worker.WorkerEndpoint;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.testkit.Components;
import dev.vireo.testkit.FakeDags;
import dev.vireo.testkit.FakeWorker;
import dev.vireo.testkit.TestTime;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * DagPeers over gRPC: two peers, each the real GrpcApi server in front of its own in-memory DagService, and a node
 * (worker-1, the name of the FakeWorker it runs) that knows them through its ClusterMembers and hands tasks to them.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GrpcDagPeersTest {
    static final String SPEC = "{\"name\":\"wc\",\"tasks\":[{\"id\":\"a\",\"function\":\"hello-1\"},"
            + "{\"id\":\"b\",\"function\":\"hello-1\"}]}";

    TestTime time;
    final List<GrpcApi> servers = new ArrayList<>();
    FakeDags dags2;
    FakeDags dags3;
    String address2;
    String address3;
    final AtomicReference<List<WorkerMember>> members = new AtomicReference<>(List.of());
    GrpcDagPeers peers;

    @BeforeEach
    void setUp() throws IOException {
        time = new TestTime();
        dags2 = new FakeDags();
        dags3 = new FakeDags();
        address2 = serve(dags2);
        address3 = serve(dags3);
        // the run is in the store both peers share: each of their services knows it
        dags2.submit(dags2.parse(SPEC), "");
        dags3.submit(dags3.parse(SPEC), "");
        members.set(List.of(member("worker-1", "127.0.0.1:1", true), member("w2", address2, true),
                member("w3", address3, true), member("w4", "127.0.0.1:2", false)));
        ClusterMembers cluster = members::get;
        peers = new GrpcDagPeers(cluster, new FakeWorker(), time);
    }

    @AfterEach
    void tearDown() {
        peers.close();
        servers.forEach(GrpcApi::close);
        time.close();
    }

    /** A GrpcApi on a free loopback port in front of {@code dags}; its address. */
    String serve(FakeDags dags) throws IOException {
        Components.Context context = new Components.Context();
        GrpcApi api = new GrpcApi(context.bundleContext(), new FakeWorker(), time, time, Components.config(GrpcApi.Config.class,
                Map.of("bind", "127.0.0.1", "port", 0)));
        api.setDags(dags);
        servers.add(api);
        return ((WorkerEndpoint) context.registrations.get(0).service()).address();
    }

    static WorkerMember member(String name, String address, boolean healthy) {
        return new WorkerMember(name, address, healthy, 0, 0, 4, 0, 0, healthy ? 0 : 3, 2, Instant.EPOCH,
                healthy ? "" : "missed 3 heartbeats");
    }

    static void await(CompletionStage<?> stage) throws Exception {
        stage.toCompletableFuture().get(10, SECONDS);
    }

    static WorkerException refused(CompletionStage<?> stage) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(stage));
        return assertInstanceOf(WorkerException.class, e.getCause());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void thePeersAreTheHealthyMembersOtherThanThisNode() {
        assertEquals(List.of("w2", "w3"), peers.peers());
        members.set(List.of(member("worker-1", "127.0.0.1:1", true)));
        assertEquals(List.of(), peers.peers(), "alone in the list: no peer");
    }

    @Test
    void aTaskHandedToAPeerStartsOnThatPeersWorkflowServiceOnly() throws Exception {
        await(peers.start("w2", "run-1", "a"));
        await(peers.start("w3", "run-1", "b"));
        await(peers.start("w2", "run-1", "b"));
        assertEquals(List.of("parse", "submit wc 2 tasks", "continue run-1 a", "continue run-1 b"), dags2.calls);
        assertEquals(List.of("parse", "submit wc 2 tasks", "continue run-1 b"), dags3.calls);
        assertEquals(Set.of(address2, address3), peers.channels(), "one channel per peer, kept");
    }

    @Test
    void aRunThePeerCannotSeeFailsTheStageWithItsOwnKind() {
        WorkerException e = refused(peers.start("w2", "run-9", "a"));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, e.kind());
        assertEquals("no run 'run-9' (never submitted, or removed after its retention)", e.getMessage());
    }

    @Test
    void aPeerWithoutWorkflowServiceRefusesSayingSo() {
        servers.get(0).unsetDags(dags2);
        WorkerException e = refused(peers.start("w2", "run-1", "a"));
        assertTrue(e.getMessage().startsWith("workflows are not served here"), e.getMessage());
    }

    @Test
    void onlyPeersInServiceAreHandedTasksAndTheStageSaysWhy() {
        WorkerException out = refused(peers.start("w4", "run-1", "a"));
        assertEquals(ErrorKind.UNREACHABLE, out.kind());
        assertEquals("worker 'w4' is out of service: missed 3 heartbeats", out.getMessage());
        WorkerException self = refused(peers.start("worker-1", "run-1", "a"));
        assertEquals(ErrorKind.INVALID_REQUEST, self.kind());
        assertEquals("'worker-1' is not a peer of worker-1 (peers: w2, w3)", self.getMessage());
        assertEquals("'nope' is not a peer of worker-1 (peers: w2, w3)",
                refused(peers.start("nope", "run-1", "a")).getMessage());
        assertTrue(peers.channels().isEmpty(), "no channel made for any of them");
    }

    @Test
    void aPeerThatDoesNotAnswerIsUnreachable() throws IOException {
        members.set(List.of(member("w5", "127.0.0.1:" + freePort(), true)));
        WorkerException e = refused(peers.start("w5", "run-1", "a"));
        assertEquals(ErrorKind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().startsWith("worker at 127.0.0.1:"), e.getMessage());
    }

    @Test
    void channelsToAddressesNoLongerListedAreLetGoAndAllOfThemOnClose() throws Exception {
        await(peers.start("w2", "run-1", "a"));
        await(peers.start("w3", "run-1", "a"));
        // w2 restarted elsewhere and w3 left: the new channel replaces both old ones
        FakeDags dags4 = new FakeDags();
        String address4 = serve(dags4);
        dags4.submit(dags4.parse(SPEC), "");
        members.set(List.of(member("w2", address4, true)));
        await(peers.start("w2", "run-1", "b"));
        assertEquals(Set.of(address4), peers.channels());
        assertEquals(List.of("parse", "submit wc 2 tasks", "continue run-1 b"), dags4.calls);
        peers.close();
        assertTrue(peers.channels().isEmpty());
        assertEquals(ErrorKind.CANCELLED, refused(peers.start("w2", "run-1", "a")).kind());
    }

    @Test
    void onAControllerThePeersAreItsClusterMembers() throws Exception {
        ClusterService controller = new ClusterService() {
            @Override
            public WorkerMember join(String name, String address) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void leave(String name) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<WorkerMember> members() {
                return List.of(member("w2", address2, true), member("w4", "127.0.0.1:2", false));
            }

            @Override
            public String name() {
                return "controller-1";
            }
        };
        DagPeers onController = new GrpcDagPeers(controller, new FakeWorker(), time);
        try {
            assertEquals(List.of("w2"), onController.peers());
            await(onController.start("w2", "run-1", "b"));
            assertEquals("continue run-1 b", dags2.calls.get(dags2.calls.size() - 1));
        } finally {
            ((GrpcDagPeers) onController).close();
        }
    }
}
