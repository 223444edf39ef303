package dev.vireo.worker.grpc.internal;

import dev.vireo.api.dag.DagService;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.WorkerEndpoint;
import dev.vireo.api.worker.WorkerService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The worker's gRPC server (service {@code vireo.worker.v1.Worker}); calls run on the scheduler's executor. */
@Component(immediate = true, configurationPid = "vireo.worker.grpc")
@Designate(ocd = GrpcApi.Config.class)
public final class GrpcApi {
    private static final System.Logger LOG = System.getLogger(GrpcApi.class.getName());
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @ObjectClassDefinition(name = "Vireo worker gRPC API", description = "The worker's gRPC endpoint.")
    public @interface Config {
        @AttributeDefinition(name = "Bind address", description = "Address to listen on.")
        String bind() default "127.0.0.1";

        @AttributeDefinition(name = "Port", description = "TCP port; 0 picks a free one (logged, and listed in run/NAME/ready). The profiles set it (vireo.grpc.port in distro/profiles): worker and all-in-one 8071, controller 8081.", min = "0", max = "65535")
        int port() default 8071;

        @AttributeDefinition(name = "Maximum message (bytes)", description = "Largest request message accepted, in bytes; a larger one fails with RESOURCE_EXHAUSTED.", min = "1024")
        int max_message_bytes() default 6 * 1024 * 1024;

        @AttributeDefinition(name = "Bearer token", description = "If set, every call but Health and Ping needs metadata 'authorization: Bearer <token>'.")
        String auth_token() default "";

        @AttributeDefinition(name = "Client token", description = "Bearer token this node presents to the gRPC APIs it calls: a controller to its workers, a worker to its workflow peers. Empty: its own auth.token (a cluster that shares one token).")
        String client_token() default "";

        @AttributeDefinition(name = "TLS certificate file", description = "PEM certificate chain (its own certificate first): with tls.key.file, the API serves TLS only. Empty: plaintext.")
        String tls_cert_file() default "";

        @AttributeDefinition(name = "TLS key file", description = "PEM PKCS#8 private key (-----BEGIN PRIVATE KEY-----) of tls.cert.file.")
        String tls_key_file() default "";

        @AttributeDefinition(name = "Client CA file", description = "PEM certificates this node trusts for the gRPC APIs it calls (a controller its workers, a worker its workflow peers): set, it calls them over TLS; empty: plaintext. A change applies to connections made after it.")
        String client_tls_ca_file() default "";

        @AttributeDefinition(name = "Namespace tokens", description = "Bearer tokens of namespaces, 'namespace:token' entries separated by commas (several per namespace to rotate them; each 16-512 characters): a call with one acts in that namespace only (its functions, its registrations); the node's auth.token acts in any (metadata x-vireo-namespace picks one). Needs auth.token.")
        String namespace_tokens() default "";

        @AttributeDefinition(name = "Drain (ms)", description = "At stop (vireo stop, systemd's stop, a TERM): how many milliseconds calls in progress (an invocation waiting for its function) may take to be answered after the API stops taking new ones; then they are cancelled. 0 cancels them at once.", min = "0", max = "600000")
        long drain_ms() default 10_000;
    }

    private final Server server;
    private final long drainMs;
    /** The standard health service's statuses: SERVING while the API runs, NOT_SERVING for good once it stops. */
    private final io.grpc.protobuf.services.HealthStatusManager health = new io.grpc.protobuf.services.HealthStatusManager();
    private volatile DagService dags;
    private final org.osgi.framework.ServiceRegistration<WorkerEndpoint> endpoint;

    @Activate
    public GrpcApi(org.osgi.framework.BundleContext context, @Reference WorkerService worker,
            @Reference dev.vireo.api.time.Clock clock, @Reference TaskScheduler scheduler, Config config)
            throws IOException {
        if (config.port() < 0 || config.port() > 65_535 || config.max_message_bytes() < 1_024) {
            throw new IllegalArgumentException("port must be 0-65535 and max.message.bytes at least 1024");
        }
        if (config.drain_ms() < 0 || config.drain_ms() > 600_000) {
            throw new IllegalArgumentException("drain.ms must be 0-600000");
        }
        this.drainMs = config.drain_ms();
        dev.vireo.api.worker.NamespaceTokens tokens = dev.vireo.api.worker.NamespaceTokens.configured(
                "namespace.tokens", config.namespace_tokens(), config.auth_token(), config.client_token());
        WorkerGrpcService service = new WorkerGrpcService(worker, () -> dags, clock);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(config.bind(), config.port()));
        boolean tls = Tls.serve(builder, config);
        server = builder
                .executor(scheduler)
                // invocations never block (the worker and the controller answer with a stage): they start on the
                // transport thread instead of paying a hand-off to the scheduler; everything else may block
                // (registration, status) and runs on the scheduler
                .callExecutor(new io.grpc.ServerCallExecutorSupplier() {
                    @Override
                    public <Q, R> java.util.concurrent.Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
                        String method = call.getMethodDescriptor().getBareMethodName();
                        return "Invoke".equals(method) || "Ping".equals(method)
                                ? com.google.common.util.concurrent.MoreExecutors.directExecutor() : null;
                    }
                })
                .maxInboundMessageSize(config.max_message_bytes())
                .addService(ServerInterceptors.intercept(StrictRequests.wrap(service.bindService()),
                        new TraceHeader(), new Callers(worker, config.auth_token(), tokens)))
                // the standard services, open as Health and Ping are: probes (grpc_health_probe, Kubernetes) and
                // tools (grpcurl, grpcui) that read the API's schema from the server
                .addService(health.getHealthService())
                .addService(io.grpc.protobuf.services.ProtoReflectionServiceV1.newInstance())
                .build()
                .start();
        health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        health.setStatus(dev.vireo.grpc.v1.WorkerGrpc.SERVICE_NAME,
                io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        String address = config.bind() + ":" + server.getPort();
        LOG.log(Level.INFO, "worker gRPC API on " + address + (tls ? " (TLS)" : "")
                + (config.auth_token().isEmpty() ? "" : " (bearer token required)")
                + (tokens.isEmpty() ? "" : "; namespaces with tokens: " + String.join(", ", tokens.namespaces())));
        endpoint = context.registerService(WorkerEndpoint.class, new WorkerEndpoint() {
            @Override
            public String protocol() {
                return "grpc";
            }

            @Override
            public String address() {
                return address;
            }
        }, new java.util.Hashtable<>(java.util.Map.of(WorkerEndpoint.PROTOCOL, "grpc")));
    }

    @Deactivate
    void close() {
        health.enterTerminalState(); // watchers hear NOT_SERVING before the server goes
        endpoint.unregister();
        // no new calls; those in progress are answered while the worker they need is still there (this component
        // goes before the service it references), then whatever is left is cancelled
        server.shutdown();
        try {
            if (!server.awaitTermination(drainMs, TimeUnit.MILLISECONDS)) {
                LOG.log(Level.WARNING, "gRPC calls still in progress after drain.ms=" + drainMs + ": cancelled");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.shutdownNow();
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setDags(DagService service) {
        dags = service;
    }

    void unsetDags(DagService service) {
        if (dags == service) {
            dags = null;
        }
    }

    /** The node as the current call's caller sees it (a namespace's view), set by {@link Callers}; null: the node. */
    static final io.grpc.Context.Key<WorkerService> CALLER = io.grpc.Context.key("vireo.caller");
    /** The namespace a call made with the node's token acts in (a controller forwarding a namespace's call). */
    static final Metadata.Key<String> NAMESPACE = Metadata.Key.of("x-vireo-namespace", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * Checks the bearer token in constant time (the node's, or a namespace's) and puts the caller's view of the node in
     * the call's context ({@link #CALLER}); Health and Ping stay open.
     */
    static final class Callers implements ServerInterceptor {
        private final WorkerService node;
        private final String token;
        private final dev.vireo.api.worker.NamespaceTokens tokens;

        Callers(WorkerService node, String token, dev.vireo.api.worker.NamespaceTokens tokens) {
            this.node = node;
            this.token = token;
            this.tokens = tokens;
        }

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            String method = call.getMethodDescriptor().getBareMethodName();
            if ("Health".equals(method) || "Ping".equals(method)) {
                return next.startCall(call, headers);
            }
            java.util.Optional<WorkerService> view;
            try {
                view = dev.vireo.api.worker.ScopedWorker.of(node, headers.get(AUTHORIZATION), headers.get(NAMESPACE),
                        token, tokens);
            } catch (dev.vireo.api.worker.WorkerException e) { // the kind in its trailer, as every refusal has it
                Metadata trailers = WorkerGrpcService.trailers(e.kind());
                trailers.put(Messages.ERROR_FIELD, "x-vireo-namespace");
                call.close(WorkerGrpcService.status(e.kind()).withDescription(e.getMessage()), trailers);
                return new ServerCall.Listener<>() {
                };
            }
            if (view.isEmpty()) {
                call.close(Status.UNAUTHENTICATED.withDescription(
                        "missing or wrong bearer token (metadata authorization: Bearer <token>)"), new Metadata());
                return new ServerCall.Listener<>() {
                };
            }
            if (view.get() == node) {
                return next.startCall(call, headers);
            }
            return io.grpc.Contexts.interceptCall(io.grpc.Context.current().withValue(CALLER, view.get()), call,
                    headers, next);
        }
    }
}
