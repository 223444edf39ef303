package dev.vireo.cli.command;

import dev.vireo.cli.CliException;
import dev.vireo.cli.Home;
import dev.vireo.cli.instance.RedisServer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vireo redis start|stop|status}: a private redis-server under run/redis for the Redis workflow store. */
@Command(name = "redis", description = {"A private redis-server for the Redis workflow store (dag.store = redis):",
    "loopback only, nothing saved to disk; redis.conf, pid file and log under run/redis/."},
        subcommands = {RedisCommand.Start.class, RedisCommand.Stop.class, RedisCommand.Status.class})
public final class RedisCommand {
    static RedisServer server() {
        return new RedisServer(Home.detect().runDir("redis"));
    }

    @Command(name = "start", description = "Start it in the background and wait until it answers PING.")
    static final class Start implements Callable<Integer> {
        @Option(names = "--port", defaultValue = "" + RedisServer.DEFAULT_PORT,
                description = "TCP port on 127.0.0.1 (default: ${DEFAULT-VALUE}, the store's; not Redis's 6379)")
        int port;

        @Override
        public Integer call() throws Exception {
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("--port must be 1-65535");
            }
            RedisServer redis = server();
            long ms = redis.start(port, Duration.ofSeconds(10));
            System.out.println("vireo: redis started (pid " + redis.process().map(ProcessHandle::pid).orElse(-1L)
                    + ", port " + port + ", " + ms + " ms to PONG); log: " + redis.log());
            System.out.println("  workflows use it with dag.store = redis in configs/vireo.kernel.cfg"
                    + (port == RedisServer.DEFAULT_PORT ? "" : " and port = " + port
                    + " in configs/vireo.dag.store.redis.cfg"));
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop it (TERM, then KILL after 10 s); what it held is gone.")
    static final class Stop implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            System.out.println("vireo: redis " + (server().stop() ? "stopped" : "is not running"));
            return 0;
        }
    }

    @Command(name = "status", description = "Whether it runs and answers PING (exit 0), or not (3).")
    static final class Status implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            RedisServer redis = server();
            int port = redis.port();
            Optional<ProcessHandle> p = redis.process();
            if (p.isEmpty()) {
                System.out.println("vireo: redis not running" + (RedisServer.ping(port)
                        ? " (but another Redis server answers PING on port " + port + ")" : ""));
                return CliException.NOT_RUNNING;
            }
            if (!RedisServer.ping(port)) {
                System.out.println("vireo: redis running (pid " + p.get().pid() + ", port " + port
                        + ") but does not answer PING; log: " + redis.log());
                return CliException.FAILED;
            }
            System.out.println("vireo: redis running (pid " + p.get().pid() + ", port " + port + "), answers PING");
            return 0;
        }
    }
}
