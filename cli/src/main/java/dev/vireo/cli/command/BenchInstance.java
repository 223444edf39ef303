package dev.vireo.cli.command;

import dev.vireo.cli.Home;
import dev.vireo.cli.instance.ConfigFolder;
import dev.vireo.cli.instance.Instance;
import dev.vireo.cli.instance.Ports;
import java.io.IOException;

/**
 * A worker instance of a benchmark's own ({@code run/bench-worker}): a private copy of the configuration with the
 * trackers' limits lifted (a no-op function measures the pipeline, not the trackers), free ports, a private deploy
 * folder. Closing it stops the worker.
 */
final class BenchInstance implements AutoCloseable {
    final Instance instance;
    final ConfigFolder configs;
    final int httpPort;
    final int grpcPort;

    BenchInstance(Home home) throws IOException, InterruptedException {
        Instance old = new Instance(home, "bench-worker", "worker");
        old.stop();
        dev.vireo.cli.instance.Trees.delete(old.dir());
        Ports ports = new Ports(18070);
        httpPort = ports.next();
        grpcPort = ports.next();
        configs = ConfigFolder.copy(home.configs(), old.dir().resolve("configs")).openLimits();
        instance = new Instance(home, "bench-worker", "worker").configs(configs.dir())
                .deploy(old.dir().resolve("deploy"))
                .property("vireo.http.port", Integer.toString(httpPort))
                .property("vireo.grpc.port", Integer.toString(grpcPort));
    }

    void start() throws IOException, InterruptedException {
        System.err.println("vireo: bench-worker started (" + instance.start(Instance.startTimeout()) + " ms to ready)");
    }

    String grpc() {
        return "127.0.0.1:" + grpcPort;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        instance.stop();
    }
}
