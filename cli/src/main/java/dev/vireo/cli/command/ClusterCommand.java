package dev.vireo.cli.command;

import dev.vireo.cli.Home;
import dev.vireo.cli.instance.Cluster;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vireo cluster start|stop}: a controller and N workers on this host. */
@Command(name = "cluster", description = "A controller and N workers on this host (instances cluster-controller,"
        + " cluster-w1..N under run/).", subcommands = {ClusterCommand.Start.class, ClusterCommand.Stop.class})
public final class ClusterCommand {
    @Command(name = "start", description = "Start the controller and the workers; they join within a second.")
    static final class Start implements Callable<Integer> {
        @Option(names = "--workers", defaultValue = "2", description = "workers, 1-32 (default: ${DEFAULT-VALUE})")
        int workers;

        @Option(names = "--open", description = "lift the trackers' limits (benchmarks of the pipeline)")
        boolean open;

        @Option(names = "--backends", defaultValue = "${env:VIREO_CLUSTER_BACKENDS:-sim}",
                description = "backends of every instance (default: ${DEFAULT-VALUE})")
        String backends;

        @Option(names = "--graphite", paramLabel = "HOST:PORT", defaultValue = "${env:VIREO_CLUSTER_GRAPHITE}",
                description = "carbon's line receiver: every instance pushes its metrics there each second")
        String graphite;

        @Option(names = "--dag-store", paramLabel = "NAME", defaultValue = "${env:VIREO_CLUSTER_DAG_STORE:-embedded}",
                description = "the workflow store of every instance: embedded, or redis (shared: the workers continue"
                        + " runs themselves; ./vireo redis start runs one) (default: ${DEFAULT-VALUE})")
        String dagStore;

        @Override
        public Integer call() throws Exception {
            if (workers < 1 || workers > 32) {
                throw new IllegalArgumentException("--workers must be 1-32");
            }
            Cluster.Addresses a = new Cluster(Home.detect(), "cluster").property("vireo.dag.store", dagStore)
                    .start(workers, open, backends, graphite);
            System.out.println("controller: HTTP " + a.controllerHttp() + ", gRPC " + a.controllerGrpc() + " (" + workers
                    + " workers joined)");
            System.out.println("  ./vireo controller status --worker " + a.controllerHttp());
            System.out.println("  ./vireo loadgen trace --target " + a.controllerGrpc() + " --trace DIR");
            System.out.println("  ./vireo cluster stop");
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop every instance of the cluster.")
    static final class Stop implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            for (String name : new Cluster(Home.detect(), "cluster").stop()) {
                System.out.println("vireo: " + name + " stopped");
            }
            return 0;
        }
    }
}
