package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Workers that require a token behind a controller that presents it: a cluster started by ./vireo whose gRPC APIs all
 * have auth.token set (the controller presents its own to its workers: a cluster sharing one token); functions
 * registered and invoked through the controller's HTTP API reach the workers.
 */
class ClusterTokenIT {
    @Test
    void aControllerPresentsTheClusterTokenToWorkersThatRequireIt() throws Exception {
        Path dir = Files.createTempDirectory("vireo-token-it-");
        Path configs = Files.createDirectories(dir.resolve("configs"));
        ConfigFiles.copy(LaunchedWorker.HOME.resolve("configs"), configs);
        ConfigFiles.edit(configs.resolve("vireo.worker.grpc.cfg"), Map.of("auth.token", "cluster-s3cret"));
        VireoScript script = new VireoScript(dir.resolve("run"), Map.of("VIREO_CONFIGS_DIR", configs.toString()),
                java.time.Duration.ofSeconds(300));
        VireoScript.Result start = script.run("cluster", "start", "--workers", "2");
        try {
            assertEquals(0, start.code(), start.out());
            Matcher m = Pattern.compile("HTTP[=: ]+(\\S+)").matcher(start.out());
            assertTrue(m.find(), start.out());
            String ctl = m.group(1).replaceAll(",$", "");
            VireoScript.Result reg = script.run("fn", "register", "hello", "--worker", ctl, "--image", "sim/hello",
                    "--transport", "sim", "--cpus", "0.1", "--cold-ms", "5", "--warm-ms", "1");
            assertEquals(0, reg.code(), reg.out());
            for (int i = 0; i < 4; i++) { // round robin or not, both workers see calls with the token
                VireoScript.Result call = script.run("fn", "invoke", "hello-1", "--worker", ctl, "-d", "{\"name\":\"t\"}");
                assertEquals(0, call.code(), call.out());
                assertTrue(call.out().contains("\"name\": \"t\""), call.out());
            }
            // the token is in force (the controller's own gRPC API has the same file as its workers'): a call
            // without it is refused, so the calls above reached the workers with it
            Matcher g = Pattern.compile("gRPC[=: ]+(\\S+)").matcher(start.out());
            assertTrue(g.find(), start.out());
            io.grpc.ManagedChannel ch = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(
                    g.group(1).replaceAll(",$", "")).usePlaintext().build();
            try {
                io.grpc.StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
                        io.grpc.StatusRuntimeException.class, () -> dev.vireo.grpc.v1.WorkerGrpc.newBlockingStub(ch)
                                .list(dev.vireo.grpc.v1.ListRequest.getDefaultInstance()));
                assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
            } finally {
                ch.shutdownNow();
            }
            // the load generator against the controller's gRPC API, which requires the token too
            String grpc = g.group(1).replaceAll(",$", "");
            VireoScript.Result refusedRun = script.run("loadgen", "bench", "--target", grpc, "--function", "hello-1",
                    "--clients", "1", "--duration-s", "1", "--out", dir.resolve("runs").toString(), "--name", "no");
            assertEquals(2, refusedRun.code(), refusedRun.out());
            assertTrue(refusedRun.out().contains("refused the bearer token"), refusedRun.out());
            VireoScript.Result run = script.run("loadgen", "bench", "--target", grpc, "--token", "cluster-s3cret",
                    "--function", "hello-1", "--clients", "1", "--duration-s", "2", "--out", dir.resolve("runs").toString(),
                    "--name", "yes");
            assertEquals(0, run.code(), run.out());
            VireoScript.Result status = script.run("controller", "status", "--worker", ctl);
            assertEquals(0, status.code(), status.out());
            assertTrue(!status.out().contains("token"), "no worker refused the controller's token: " + status.out());
        } finally {
            script.run("cluster", "stop");
        }
    }

    /**
     * Namespaces through a controller: its APIs and its worker's take the node's token and two namespaces' tokens; a
     * namespace's caller registers into its namespace and sees its own functions only, the controller forwards with
     * the cluster token, and the node's token acts as a namespace when asked.
     */
    @Test
    void namespacesTokensThroughAControllerKeepEachNamespacesFunctionsApart() throws Exception {
        Path dir = Files.createTempDirectory("vireo-ns-it-");
        Path configs = Files.createDirectories(dir.resolve("configs"));
        ConfigFiles.copy(LaunchedWorker.HOME.resolve("configs"), configs);
        Map<String, String> tokens = Map.of("auth.token", "node-token-0123456789", "namespace.tokens",
                "team-a:team-a-token-0123456789, team-b:team-b-token-0123456789");
        ConfigFiles.edit(configs.resolve("vireo.worker.grpc.cfg"), tokens);
        ConfigFiles.edit(configs.resolve("vireo.worker.http.cfg"), tokens);
        ConfigFiles.edit(configs.resolve("vireo.worker.join.cfg"), Map.of("auth.token", "node-token-0123456789"));
        // the node's token for ./vireo's own calls (cluster start asks the controller which workers joined)
        VireoScript script = new VireoScript(dir.resolve("run"), Map.of("VIREO_CONFIGS_DIR", configs.toString(),
                "VIREO_TOKEN", "node-token-0123456789"), java.time.Duration.ofSeconds(300));
        VireoScript.Result start = script.run("cluster", "start", "--workers", "1");
        try {
            assertEquals(0, start.code(), start.out());
            Matcher m = Pattern.compile("HTTP[=: ]+(\\S+)").matcher(start.out());
            assertTrue(m.find(), start.out());
            String ctl = m.group(1).replaceAll(",$", "");
            VireoScript.Result reg = script.run("fn", "register", "hello", "--worker", ctl, "--token",
                    "team-a-token-0123456789", "--image", "sim/hello", "--transport", "sim", "--cpus", "0.1",
                    "--cold-ms", "5", "--warm-ms", "1");
            assertEquals(0, reg.code(), reg.out());
            assertTrue(reg.out().contains("registered team-a:hello-1"), reg.out());
            VireoScript.Result call = script.run("fn", "invoke", "team-a:hello-1", "--worker", ctl, "--token",
                    "team-a-token-0123456789", "-d", "{\"name\":\"a\"}");
            assertEquals(0, call.code(), call.out());
            assertTrue(call.out().contains("\"name\": \"a\""), call.out());
            VireoScript.Result theirs = script.run("fn", "invoke", "team-a:hello-1", "--worker", ctl, "--token",
                    "team-b-token-0123456789", "-d", "{}");
            assertTrue(theirs.code() != 0 && (theirs.out().contains("UNKNOWN_FUNCTION")
                    || theirs.out().contains("not registered")), theirs.out());
            VireoScript.Result listB = script.run("fn", "list", "--worker", ctl, "--token", "team-b-token-0123456789",
                    "--json");
            assertEquals(0, listB.code(), listB.out());
            assertTrue(listB.out().contains("[]") && !listB.out().contains("hello"), listB.out());
            VireoScript.Result asA = script.run("fn", "list", "--worker", ctl, "--token", "node-token-0123456789",
                    "--namespace", "team-a", "--json");
            assertEquals(0, asA.code(), asA.out());
            assertTrue(asA.out().contains("\"team-a:hello-1\""), asA.out());
            VireoScript.Result settings = script.run("controller", "status", "--worker", ctl, "--token",
                    "team-a-token-0123456789");
            assertTrue(settings.code() != 0 && (settings.out().contains("FORBIDDEN")
                    || settings.out().contains("node's own token")), settings.out());
        } finally {
            script.run("cluster", "stop");
        }
    }
}
