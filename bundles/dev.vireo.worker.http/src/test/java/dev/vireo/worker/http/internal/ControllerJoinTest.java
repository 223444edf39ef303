package dev.vireo.worker.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.vireo.api.cluster.ClusterMembers;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.worker.WorkerEndpoint;
import dev.vireo.testkit.Components;
import dev.vireo.testkit.FakeWorker;
import dev.vireo.testkit.TestTime;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.osgi.framework.BundleContext;

/**
 * A worker joining a fake controller (the JDK HTTP server answering POST and GET /workers): it joins, learns the
 * members the controller lists, registers them as ClusterMembers, and forgets them when the list fails.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ControllerJoinTest {
    TestTime time;
    HttpServer controller;
    volatile List<WorkerMember> listed = JoinedClusterTest.MEMBERS;
    volatile int listStatus = 200;
    final List<String> requests = new CopyOnWriteArrayList<>();
    Components.Context registered;
    ControllerJoin join;

    @BeforeEach
    void setUp() throws IOException {
        time = new TestTime();
        controller = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        controller.createContext("/workers", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("Authorization") + " " + body);
            String answer = ex.getRequestMethod().equals("POST") ? body : JoinedClusterTest.answer(listed);
            int status = ex.getRequestMethod().equals("POST") ? 200 : listStatus;
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        controller.start();
        registered = new Components.Context();
    }

    @AfterEach
    void tearDown() {
        if (join != null) {
            join.close();
        }
        controller.stop(0);
        time.close();
    }

    /** A bundle context with no ClusterService (this is a worker) that records what is registered through it. */
    BundleContext context() {
        BundleContext recording = registered.bundleContext();
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getServiceReference")) {
                        return null;
                    }
                    try {
                        return method.invoke(recording, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    ControllerJoin start(String url) {
        WorkerEndpoint grpc = new WorkerEndpoint() {
            @Override
            public String protocol() {
                return "grpc";
            }

            @Override
            public String address() {
                return "127.0.0.1:8071";
            }
        };
        return new ControllerJoin(new FakeWorker(), grpc, time, context(), Components.config(ControllerJoin.Config.class,
                Map.of("controller", url, "interval_ms", 100, "auth_token", "tok")));
    }

    static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 500 && !condition.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), what);
    }

    @Test
    void itLearnsTheMembersAfterEachJoinAndForgetsThemWhenTheListFails() throws Exception {
        join = start("http://127.0.0.1:" + controller.getAddress().getPort() + "/");
        assertEquals(1, registered.registrations.size());
        ClusterMembers members = (ClusterMembers) registered.registrations.get(0).service();
        eventually("the members listed", () -> members.members().equals(JoinedClusterTest.MEMBERS));
        assertEquals("POST Bearer tok", requests.get(0).substring(0, 15));
        assertEquals(JsonParser.parseString("{\"name\":\"worker-1\",\"address\":\"127.0.0.1:8071\"}"),
                JsonParser.parseString(requests.get(0).substring(16)));
        assertTrue(requests.contains("GET Bearer tok "), requests.toString());

        listed = List.of(JoinedClusterTest.MEMBERS.get(1));
        eventually("the new list", () -> members.members().equals(listed));
        listStatus = 503;
        eventually("nothing known while the list fails", () -> members.members().isEmpty());
        listStatus = 200;
        eventually("the list again", () -> members.members().equals(listed));
        controller.stop(0);
        eventually("nothing known without a controller", () -> members.members().isEmpty());

        join.close();
        join = null;
        assertTrue(registered.registrations.get(0).unregistered().get());
    }

    @Test
    void aWorkerWithoutControllerRegistersNothing() {
        join = start("");
        assertTrue(registered.registrations.isEmpty());
    }
}
