package dev.vireo.worker.http.internal;

import dev.vireo.api.cluster.ClusterMembers;
import dev.vireo.api.cluster.ClusterService;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.WorkerEndpoint;
import dev.vireo.api.worker.WorkerService;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.stream.Collectors;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A worker joining a controller: {@code POST {controller}/workers {"name", "address"}} with the address of this
 * worker's gRPC API, repeated every interval (idempotent), so a worker that starts before its controller, or a
 * controller that restarts, finds its workers again. After each join it asks the controller for its members
 * ({@code GET {controller}/workers}) and registers what it learned as {@link ClusterMembers} ({@link JoinedCluster}:
 * the gRPC bundle hands workflow tasks to those peers). Idle when no controller is configured, and in the
 * controller's own process (there the WorkerService is the controller).
 */
@Component(immediate = true, configurationPid = "vireo.worker.join", configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ControllerJoin.Config.class)
public final class ControllerJoin {
    private static final System.Logger LOG = System.getLogger(ControllerJoin.class.getName());

    @ObjectClassDefinition(name = "Vireo worker: join a controller", description = "Makes this worker join a controller.")
    public @interface Config {
        @AttributeDefinition(name = "Controller", description = "The controller's HTTP API, e.g. http://127.0.0.1:8080; empty: standalone worker.")
        String controller() default "";

        @AttributeDefinition(name = "Interval (ms)", description = "How often the join is repeated, in milliseconds; it is idempotent, so workers and the controller may start in any order.", min = "100")
        long interval_ms() default 2_000;

        @AttributeDefinition(name = "Advertised address", description = "host:port the controller should reach this worker's gRPC API at; empty: where it listens.")
        String advertise() default "";

        @AttributeDefinition(name = "Bearer token", description = "Token of the controller's HTTP API, if it needs one.")
        String auth_token() default "";

        @AttributeDefinition(name = "CA file", description = "PEM certificates to trust for an https:// controller whose certificate the JDK's own trust does not cover (a private CA, a self-signed one); empty: the JDK's.")
        String ca_file() default "";
    }

    private final Cancellable task;
    private final HttpClient client;
    private final ServiceRegistration<ClusterMembers> registration;
    /** The last outcome logged, of the join and of the list: each is logged when it changes. */
    private volatile String last = "";
    private volatile String lastList = "";

    @Activate
    public ControllerJoin(@Reference WorkerService worker,
            @Reference(target = "(" + WorkerEndpoint.PROTOCOL + "=grpc)") WorkerEndpoint grpc,
            @Reference TaskScheduler scheduler, org.osgi.framework.BundleContext context, Config config) {
        String controller = config.controller().trim().replaceAll("/+$", "");
        boolean isController = context.getServiceReference(ClusterService.class) != null;
        if (controller.isEmpty() || isController) {
            task = null;
            client = null;
            registration = null;
            return;
        }
        URI uri;
        try {
            uri = URI.create(controller + "/workers");
            if (uri.getHost() == null || !uri.getScheme().startsWith("http")) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("vireo.worker.join: controller '" + controller
                    + "' is not an http://host:port URL: " + e.getMessage());
        }
        String address = config.advertise().isBlank() ? grpc.address() : config.advertise().trim();
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        o.addProperty("name", worker.name());
        o.addProperty("address", address);
        String body = o.toString();
        HttpClient.Builder http = HttpClient.newBuilder().executor(scheduler).connectTimeout(Duration.ofSeconds(2));
        if (!config.ca_file().isBlank()) {
            http.sslContext(dev.vireo.api.tls.PemTls.client("ca.file", java.nio.file.Path.of(config.ca_file().trim())));
        }
        client = http.build();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (!config.auth_token().isEmpty()) {
            request.header("Authorization", "Bearer " + config.auth_token());
        }
        HttpRequest join = request.build();
        HttpRequest.Builder listing = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
        if (!config.auth_token().isEmpty()) {
            listing.header("Authorization", "Bearer " + config.auth_token());
        }
        HttpRequest list = listing.build();
        JoinedCluster cluster = new JoinedCluster();
        Runnable once = () -> client.sendAsync(join, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
            boolean joined = e == null && r.statusCode() == 200;
            String now = e != null ? "cannot reach controller " + controller + ": " + e
                    : joined ? "joined controller " + controller + " as " + worker.name() + " (" + address + ")"
                    : "controller " + controller + " refused the join: " + r.statusCode() + " " + r.body().trim();
            if (!now.equals(last)) {
                last = now;
                LOG.log(joined ? Level.INFO : Level.WARNING, now);
            }
            if (!joined) {
                cluster.forget();
                return;
            }
            client.sendAsync(list, HttpResponse.BodyHandlers.ofString()).whenComplete((l, f) -> learn(cluster,
                    controller, l, f));
        });
        registration = context.registerService(ClusterMembers.class, cluster, new Hashtable<>());
        scheduler.execute(once);
        task = scheduler.scheduleAtFixedRate("worker.join", once, Duration.ofMillis(Math.max(100, config.interval_ms())));
    }

    /** Takes the controller's answer to {@code GET /workers}; forgets every member when there is none to take. */
    private void learn(JoinedCluster cluster, String controller, HttpResponse<String> r, Throwable e) {
        String now;
        boolean learned = false;
        if (e != null || r.statusCode() != 200) {
            now = "cannot list the workers of controller " + controller + ": "
                    + (e != null ? e : r.statusCode() + " " + r.body().trim());
        } else {
            try {
                List<WorkerMember> members = JoinedCluster.parse(r.body());
                cluster.learn(members);
                learned = true;
                now = "controller " + controller + " lists workers " + members.stream()
                        .map(m -> m.name() + (m.healthy() ? "" : " (out)")).collect(Collectors.joining(", ", "[", "]"));
            } catch (IllegalArgumentException bad) {
                now = "cannot read the workers controller " + controller + " lists: " + bad.getMessage();
            }
        }
        if (!learned) {
            cluster.forget();
        }
        if (!now.equals(lastList)) {
            lastList = now;
            LOG.log(learned ? Level.INFO : Level.WARNING, now);
        }
    }

    @Deactivate
    void close() {
        if (registration != null) {
            registration.unregister();
        }
        if (task != null) {
            task.cancel();
        }
        if (client != null) {
            client.shutdownNow();
        }
    }
}
