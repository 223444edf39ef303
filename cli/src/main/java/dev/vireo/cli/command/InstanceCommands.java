package dev.vireo.cli.command;

import dev.vireo.cli.CliException;
import dev.vireo.cli.Home;
import dev.vireo.cli.instance.Instance;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vireo run|start|stop|status|console}: instances of a profile on this host. */
public final class InstanceCommands {
    private InstanceCommands() {
    }

    @Command(name = "run", description = "Start a profile in the foreground (Ctrl-C stops it).")
    public static final class Run implements Callable<Integer> {
        @Parameters(index = "0", defaultValue = "${sys:vireo.default.profile}", paramLabel = "PROFILE",
                description = "all-in-one, worker or controller (default: ${DEFAULT-VALUE})")
        String profile;

        @Option(names = "-D", paramLabel = "KEY=VALUE", description = "a framework property of this instance (as start's)")
        java.util.Map<String, String> properties = new java.util.LinkedHashMap<>();

        @Override
        public Integer call() throws Exception {
            Instance in = new Instance(Home.detect(), profile, profile);
            apply(in, properties);
            System.err.println("vireo: " + profile + " in the foreground; administer it with ./vireo console " + profile
                    + "; Ctrl-C stops it");
            return in.runForeground();
        }
    }

    @Command(name = "start", description = "Start a profile in the background (pid file and log under run/NAME/).")
    public static final class Start implements Callable<Integer> {
        @Parameters(index = "0", defaultValue = "${sys:vireo.default.profile}", paramLabel = "PROFILE",
                description = "all-in-one, worker or controller (default: ${DEFAULT-VALUE})")
        String profile;

        @Option(names = "--name", paramLabel = "NAME",
                description = "another instance of the profile, in run/NAME (give it its own VIREO_CONFIGS_DIR or ports)")
        String name;

        @Option(names = "--http-port", description = "port of the HTTP API (default: the profile's)")
        Integer httpPort;

        @Option(names = "--grpc-port", description = "port of the gRPC API (default: the profile's)")
        Integer grpcPort;

        @Option(names = "-D", paramLabel = "KEY=VALUE", description = {"a framework property of this instance, the"
            + " ${vireo.x} of configs/ (e.g. -D vireo.worker.name=w1 -D vireo.controller.url=http://10.0.0.1:8080);"
            + " repeatable"})
        java.util.Map<String, String> properties = new java.util.LinkedHashMap<>();

        @Override
        public Integer call() throws Exception {
            Instance.checkProfile(profile);
            Instance in = new Instance(Home.detect(), name != null ? name : profile, profile);
            if (httpPort != null) {
                in.property("vireo.http.port", httpPort.toString());
            }
            if (grpcPort != null) {
                in.property("vireo.grpc.port", grpcPort.toString());
            }
            apply(in, properties);
            long ms = in.start(Instance.startTimeout());
            System.out.println("vireo: " + in.name() + " started (pid " + in.process().map(ProcessHandle::pid).orElse(-1L)
                    + ", " + ms + " ms to ready); log: " + in.log());
            return 0;
        }
    }

    /** Checks and sets {@code -D} framework properties on an instance. */
    static void apply(Instance in, java.util.Map<String, String> properties) {
        for (var e : properties.entrySet()) {
            if (!e.getKey().matches("[A-Za-z][A-Za-z0-9._-]{0,127}") || !e.getValue().matches("[^\\\\\\r\\n]*")) {
                throw new CliException(CliException.USAGE, "-D " + e.getKey() + ": a property name is letters,"
                        + " digits, '.', '_' and '-', and its value one line without backslashes");
            }
            in.property(e.getKey(), e.getValue());
        }
    }

    /** The instance a command is about. */
    static final class Name {
        @Parameters(index = "0", defaultValue = "${sys:vireo.default.profile}", paramLabel = "INSTANCE",
                description = "a profile or an instance started with --name")
        String name;

        Instance instance() throws java.io.IOException {
            return Instance.existing(Home.detect(), name);
        }
    }

    @Command(name = "stop", description = "Stop a running instance (in-flight invocations are answered first).")
    public static final class Stop implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Name name;

        @Override
        public Integer call() throws Exception {
            Instance in = name.instance();
            System.out.println("vireo: " + in.name() + (in.stop() ? " stopped" : " is not running"));
            return 0;
        }
    }

    @Command(name = "status", description = "Whether an instance runs, and its status from the console.")
    public static final class Status implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Name name;

        @Option(names = "--json", description = "print {instance, profile, running, pid, ready} as JSON instead")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Instance in = name.instance();
            Optional<ProcessHandle> p = in.process();
            if (json) {
                com.google.gson.JsonObject o = new com.google.gson.JsonObject();
                o.addProperty("instance", in.name());
                o.addProperty("profile", in.profile());
                o.addProperty("running", p.isPresent());
                p.ifPresent(h -> o.addProperty("pid", h.pid()));
                java.nio.file.Path ready = in.dir().resolve("ready");
                if (p.isPresent() && java.nio.file.Files.isRegularFile(ready)) {
                    o.add("ready", com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(ready)));
                }
                System.out.println(o);
                return p.isPresent() ? 0 : CliException.NOT_RUNNING;
            }
            if (p.isEmpty()) {
                System.out.println("vireo: " + in.name() + " not running");
                return CliException.NOT_RUNNING;
            }
            System.out.println("vireo: " + in.name() + " running (pid " + p.get().pid() + ")");
            return in.console(List.of("vireo:status"));
        }
    }

    @Command(name = "console", description = {"Attach to a running instance's Gogo console (a 0600 Unix socket).",
        "With -c it runs the commands and exits; otherwise it reads commands from standard input."})
    public static final class Console implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Name name;

        @Option(names = "-c", paramLabel = "COMMAND", description = "a console command to run (repeatable)")
        List<String> commands = List.of();

        @Override
        public Integer call() throws Exception {
            return name.instance().console(commands);
        }
    }
}
