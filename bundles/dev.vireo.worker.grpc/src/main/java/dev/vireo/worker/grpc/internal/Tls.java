package dev.vireo.worker.grpc.internal;

import dev.vireo.api.model.ValidationException;
import dev.vireo.api.tls.PemTls;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * TLS of the gRPC API and of the gRPC calls a node makes, from the PEM files {@code vireo.worker.grpc} names: the
 * files are read once with {@link PemTls} (so a bad one is refused naming its key, as the HTTP API does) and handed
 * to gRPC's Netty as keys and certificates (HTTP/2 with ALPN, on the JDK's TLS).
 */
final class Tls {
    private Tls() {
    }

    /** Makes {@code builder} serve TLS when {@code tls.cert.file} and {@code tls.key.file} are set; whether it does. */
    static boolean serve(NettyServerBuilder builder, GrpcApi.Config config) {
        if (!PemTls.configured(config.tls_cert_file(), config.tls_key_file())) {
            return false;
        }
        PemTls.Identity id = PemTls.identity("tls.cert.file", Path.of(config.tls_cert_file()), "tls.key.file",
                Path.of(config.tls_key_file()));
        X509Certificate[] chain = id.chain().stream().map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
        try {
            builder.sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(id.key(), chain)).build());
        } catch (SSLException e) {
            throw new ValidationException("tls.cert.file", "gRPC cannot serve TLS with it: " + e.getMessage());
        }
        return true;
    }

    /** The context of the calls this node makes: trusting {@code client.tls.ca.file}; null for plaintext. */
    static SslContext client(GrpcApi.Config config) {
        return client(config.client_tls_ca_file());
    }

    /** A client context trusting the certificates in {@code caFile}; null (plaintext) for an empty name. */
    static SslContext client(String caFile) {
        if (caFile == null || caFile.isEmpty()) {
            return null;
        }
        X509Certificate[] trusted = PemTls.certificates("client.tls.ca.file", Path.of(caFile)).stream()
                .map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
        try {
            return GrpcSslContexts.forClient().trustManager(trusted).build();
        } catch (SSLException e) {
            throw new ValidationException("client.tls.ca.file", "gRPC cannot call over TLS with it: " + e.getMessage());
        }
    }
}
