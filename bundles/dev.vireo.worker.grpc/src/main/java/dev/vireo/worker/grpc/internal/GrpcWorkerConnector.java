package dev.vireo.worker.grpc.internal;

import dev.vireo.api.cluster.RemoteWorker;
import dev.vireo.api.cluster.WorkerConnector;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.time.TaskScheduler;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Reaches workers over their gRPC API: the controller's way to its workers (one channel per worker), presenting the
 * node's {@code client.token} (else its {@code auth.token}) of {@code vireo.worker.grpc} as a bearer token, so that
 * workers behind a controller can require one, over TLS when {@code client.tls.ca.file} names the certificates to
 * trust.
 */
@Component(configurationPid = "vireo.worker.grpc")
public final class GrpcWorkerConnector implements WorkerConnector {
    private final TaskScheduler scheduler;
    private volatile String token;
    private volatile io.grpc.netty.shaded.io.netty.handler.ssl.SslContext tls;

    @Activate
    public GrpcWorkerConnector(@Reference TaskScheduler scheduler, GrpcApi.Config config) {
        this.scheduler = scheduler;
        this.token = clientToken(config);
        this.tls = Tls.client(config);
    }

    /** A connector that presents no token (tests, tools that reach workers without one). */
    public GrpcWorkerConnector(TaskScheduler scheduler) {
        this(scheduler, "");
    }

    /** A connector outside the framework (the load generator) that presents {@code token} (empty: none). */
    public GrpcWorkerConnector(TaskScheduler scheduler, String token) {
        this(scheduler, token, "");
    }

    /**
     * A connector outside the framework that presents {@code token} and calls over TLS trusting the certificates in
     * {@code caFile} (empty: plaintext).
     */
    public GrpcWorkerConnector(TaskScheduler scheduler, String token, String caFile) {
        this.scheduler = scheduler;
        this.token = token;
        this.tls = Tls.client(caFile);
    }

    /**
     * A changed configuration: every call from now on presents the new token, to workers connected before too.
     * Without it a change would restart the connector and with it the controller.
     */
    @org.osgi.service.component.annotations.Modified
    void modified(GrpcApi.Config config) {
        var next = Tls.client(config); // a bad file changes nothing
        token = clientToken(config);
        tls = next; // connections made from now on
    }

    /** The token a node presents to the gRPC APIs it calls: client.token, else its own auth.token; "" for none. */
    static String clientToken(GrpcApi.Config config) {
        return config.client_token().isEmpty() ? config.auth_token() : config.client_token();
    }

    @Override
    public RemoteWorker connect(String address) {
        return new GrpcRemoteWorker(checked(address), scheduler, () -> token, tls);
    }

    /** The address if it is {@code host:port}; else a ValidationException that says what is wrong with it. */
    static String checked(String address) {
        int colon = address == null ? -1 : address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new ValidationException("address", "'" + address + "' is not host:port");
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ValidationException("address", "'" + address + "' has no numeric port");
        }
        if (port < 1 || port > 65_535) {
            throw new ValidationException("address", "port " + port + " of '" + address + "' is not 1-65535");
        }
        return address;
    }
}
