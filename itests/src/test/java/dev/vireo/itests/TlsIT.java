package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.testkit.TestCertificates;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A worker started by ./vireo whose two APIs serve TLS with a certificate made here (self-signed for 127.0.0.1): the
 * CLI registers and invokes over https trusting it (--cacert), the load generator and a gRPC client trusting it call
 * the gRPC API, and neither
 * API answers plaintext. The bundles resolve the TLS classes they need in the framework.
 */
class TlsIT {
    @Test
    void bothApisServeTlsWithAConfiguredCertificate() throws Exception {
        Path dir = Files.createTempDirectory("vireo-tls-it-");
        TestCertificates.Pem pem = TestCertificates.selfSigned(dir.resolve("tls"));
        Path configs = Files.createDirectories(dir.resolve("configs"));
        ConfigFiles.copy(LaunchedWorker.HOME.resolve("configs"), configs);
        Map<String, String> tls = Map.of("tls.cert.file", pem.cert().toString(), "tls.key.file", pem.key().toString());
        ConfigFiles.edit(configs.resolve("vireo.worker.http.cfg"), tls);
        ConfigFiles.edit(configs.resolve("vireo.worker.grpc.cfg"), tls);
        VireoScript script = new VireoScript(dir.resolve("run"), Map.of("VIREO_CONFIGS_DIR", configs.toString()),
                java.time.Duration.ofSeconds(120));
        int http = VireoOptions.freePort();
        int grpc = VireoOptions.freePort();
        VireoScript.Result start = script.run("start", "worker", "--http-port", Integer.toString(http), "--grpc-port",
                Integer.toString(grpc));
        try {
            assertEquals(0, start.code(), start.out());
            String url = "https://127.0.0.1:" + http;
            VireoScript.Result reg = script.run("fn", "register", "hello", "--worker", url, "--cacert",
                    pem.cert().toString(), "--image", "sim/hello", "--transport", "sim", "--backend", "sim",
                    "--cold-ms", "5", "--warm-ms", "1");
            assertEquals(0, reg.code(), reg.out());
            VireoScript.Result call = script.run("fn", "invoke", "hello-1", "--worker", url, "--cacert",
                    pem.cert().toString(), "-d", "{\"name\":\"tls\"}");
            assertEquals(0, call.code(), call.out());
            assertTrue(call.out().contains("\"name\": \"tls\""), call.out());
            VireoScript.Result untrusted = script.run("fn", "list", "--worker", url);
            assertTrue(untrusted.code() != 0, "the JDK's own trust refuses a self-signed certificate: " + untrusted.out());

            VireoScript.Result bench = script.run("loadgen", "bench", "--target", "127.0.0.1:" + grpc, "--cacert",
                    pem.cert().toString(), "--function", "hello-1", "--clients", "1", "--duration-s", "1", "--out",
                    dir.resolve("runs").toString(), "--name", "tls");
            assertEquals(0, bench.code(), bench.out());

            X509Certificate cert = (X509Certificate) dev.vireo.api.tls.PemTls.certificates("cert", pem.cert()).get(0);
            ManagedChannel secure = NettyChannelBuilder.forAddress("127.0.0.1", grpc)
                    .sslContext(GrpcSslContexts.forClient().trustManager(cert).build()).build();
            ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
            try {
                assertEquals(1, dev.vireo.grpc.v1.WorkerGrpc.newBlockingStub(secure)
                        .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
                        .list(dev.vireo.grpc.v1.ListRequest.getDefaultInstance()).getFunctionsCount());
                assertThrows(StatusRuntimeException.class, () -> dev.vireo.grpc.v1.WorkerGrpc.newBlockingStub(plain)
                        .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                        .list(dev.vireo.grpc.v1.ListRequest.getDefaultInstance()));
            } finally {
                secure.shutdownNow();
                plain.shutdownNow();
            }
        } finally {
            script.run("stop", "worker");
        }
    }
}
