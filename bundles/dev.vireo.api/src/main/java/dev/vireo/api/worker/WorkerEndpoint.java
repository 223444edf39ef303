package dev.vireo.api.worker;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A network front end of the worker (HTTP, gRPC) that is listening. Registered as a service with the property
 * {@value #PROTOCOL} once the socket is bound, so readiness checks and tests can find where it listens.
 */
@ProviderType
public interface WorkerEndpoint {
    /** The service property naming the protocol: {@code http} or {@code grpc}. */
    String PROTOCOL = "vireo.endpoint.protocol";

    String protocol();

    /** Where it listens, e.g. {@code http://127.0.0.1:8070} or {@code 127.0.0.1:8071}. */
    String address();
}
