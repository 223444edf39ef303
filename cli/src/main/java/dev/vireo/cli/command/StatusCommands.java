package dev.vireo.cli.command;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code vireo worker status|settings} and {@code vireo controller status}. */
public final class StatusCommands {
    private StatusCommands() {
    }

    @Command(name = "worker", description = "A running worker.", subcommands = {Worker.WorkerStatus.class,
        Worker.WorkerSettings.class})
    public static final class Worker {
        @Command(name = "status", description = "Queue, containers (running/cached), memory, resources, per-function"
                + " statistics.")
        static final class WorkerStatus implements Callable<Integer> {
            @Mixin
            Target target;

            @Override
            public Integer call() throws Exception {
                return target.client().status();
            }
        }

        @Command(name = "settings", description = "What the node runs with: its configuration (secrets redacted) and,"
                + " from a controller, each worker's in service.")
        static final class WorkerSettings implements Callable<Integer> {
            @Mixin
            Target target;

            @Override
            public Integer call() throws Exception {
                return target.client().settings();
            }
        }
    }

    @Command(name = "controller", description = "A running controller.", subcommands = Controller.ControllerStatus.class)
    public static final class Controller {
        @Command(name = "status", description = "The controller's workers: healthy or out (and why), load, invocations"
                + " sent.")
        static final class ControllerStatus implements Callable<Integer> {
            @Mixin
            Target target;

            @Override
            public Integer call() throws Exception {
                return target.client("controller").controllerStatus();
            }
        }
    }
}
