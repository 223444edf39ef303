package dev.vireo.cli;

import java.util.Arrays;

/** Entry point of the client jar: the console, the function commands and worker status. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: vireo-cli console|fn|worker ...");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        int code = switch (args[0]) {
            case "console" -> ConsoleClient.run(rest);
            case "fn" -> FnClient.run(rest);
            case "worker" -> FnClient.worker(rest);
            case "controller" -> FnClient.controller(rest);
            case "trace" -> dev.vireo.cli.trace.TraceCommand.run(rest);
            default -> {
                System.err.println("vireo-cli: unknown command '" + args[0] + "'; known: console, fn, worker, controller, trace");
                yield 2;
            }
        };
        System.exit(code);
    }
}
