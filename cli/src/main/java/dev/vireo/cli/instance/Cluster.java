package dev.vireo.cli.instance;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.vireo.cli.CliException;
import dev.vireo.cli.Home;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A controller and N workers on this host, as instances {@code PREFIX-controller} and {@code PREFIX-w1..N}: each on
 * free ports, workers named after their instance and joining the controller every second, backends and Graphite
 * push as given; all of it framework properties. {@code open} gives each a private copy of the configuration with
 * the trackers' limits lifted (benchmarks of the pipeline).
 */
public final class Cluster {
    private final Home home;
    private final String prefix;
    /** Framework properties every instance of the cluster gets besides its own (per-instance settings). */
    private final java.util.Map<String, String> shared = new java.util.LinkedHashMap<>();

    public Cluster(Home home, String prefix) {
        this.home = home;
        this.prefix = prefix;
    }

    /** The addresses of a started cluster. */
    public record Addresses(String controllerHttp, String controllerGrpc, List<String> workersGrpc) {
    }

    public Addresses start(int workers, boolean open, String backends, String graphite)
            throws IOException, InterruptedException {
        stop();
        Ports ports = new Ports(18300);
        int ctlHttp = ports.next();
        int ctlGrpc = ports.next();
        String controllerUrl = "http://127.0.0.1:" + ctlHttp;
        Instance controller = prepare(prefix + "-controller", "controller", ctlHttp, ctlGrpc, open, backends, graphite);
        controller.start(Instance.startTimeout());
        List<String> grpc = new ArrayList<>();
        for (int i = 1; i <= workers; i++) {
            int h = ports.next();
            int g = ports.next();
            Instance w = prepare(prefix + "-w" + i, "worker", h, g, open, backends, graphite)
                    .property("vireo.worker.name", prefix + "-w" + i)
                    .property("vireo.controller.url", controllerUrl)
                    .property("vireo.join.interval.ms", "1000");
            w.start(Instance.startTimeout());
            grpc.add("127.0.0.1:" + g);
        }
        awaitJoined(controllerUrl, workers);
        return new Addresses(controllerUrl, "127.0.0.1:" + ctlGrpc, grpc);
    }

    /** Sets a framework property on every instance started from now on (a {@code ${vireo.x}} setting of configs/). */
    public Cluster property(String key, String value) {
        shared.put(key, value);
        return this;
    }

    private Instance prepare(String name, String profile, int http, int grpc, boolean open, String backends,
            String graphite) throws IOException {
        Path dir = home.runDir(name);
        Trees.delete(dir);
        Instance in = new Instance(home, name, profile).deploy(dir.resolve("deploy"))
                .property("vireo.http.port", Integer.toString(http)).property("vireo.grpc.port", Integer.toString(grpc))
                .properties(shared)
                .property("vireo.backends", backends);
        if (graphite != null && !graphite.isBlank()) {
            int colon = graphite.lastIndexOf(':');
            if (colon <= 0) {
                throw new CliException(CliException.USAGE, "Graphite '" + graphite + "' is not host:port");
            }
            in.property("vireo.graphite.enabled", "true").property("vireo.graphite.host", graphite.substring(0, colon))
                    .property("vireo.graphite.port", graphite.substring(colon + 1))
                    .property("vireo.graphite.step.ms", "1000");
        }
        if (open) {
            in.configs(ConfigFolder.copy(home.configs(), dir.resolve("configs")).openLimits().dir());
        }
        return in;
    }

    private static void awaitJoined(String controllerUrl, int n) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String token = System.getenv("VIREO_TOKEN"); // a controller whose HTTP API requires one (auth.token)
        while (System.nanoTime() < deadline) {
            try {
                HttpRequest.Builder ask = HttpRequest.newBuilder(URI.create(controllerUrl + "/workers"))
                        .timeout(Duration.ofSeconds(2));
                if (token != null && !token.isBlank()) {
                    ask.header("Authorization", "Bearer " + token);
                }
                HttpResponse<String> answer = http.send(ask.build(), HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 401 || answer.statusCode() == 403) {
                    throw new CliException(CliException.FAILED, "the controller's HTTP API refused to list its"
                            + " workers (" + answer.statusCode() + "): set VIREO_TOKEN to its auth.token");
                }
                String body = answer.body();
                long healthy = 0;
                for (JsonElement w : JsonParser.parseString(body).getAsJsonObject().getAsJsonArray("workers")) {
                    healthy += w.getAsJsonObject().get("healthy").getAsBoolean() ? 1 : 0;
                }
                if (healthy >= n) {
                    return;
                }
            } catch (CliException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                // not answering yet
            }
            Thread.sleep(100);
        }
        throw new CliException(CliException.FAILED, "not all " + n + " workers joined the controller in 10 s (see "
                + "run/*-w1/vireo.log)");
    }

    /** Stops every instance of this cluster that runs; the names of those stopped. */
    public List<String> stop() throws IOException, InterruptedException {
        List<String> stopped = new ArrayList<>();
        if (!Files.isDirectory(home.runRoot())) {
            return stopped;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(home.runRoot())) {
            dirs = s.filter(p -> p.getFileName().toString().matches(java.util.regex.Pattern.quote(prefix)
                    + "-(w\\d+|controller)")).sorted().toList();
        }
        for (Path d : dirs) {
            Instance in = new Instance(home, d.getFileName().toString(),
                    d.getFileName().toString().endsWith("-controller") ? "controller" : "worker");
            if (in.stop()) {
                stopped.add(in.name());
            }
        }
        return stopped;
    }
}
