package dev.vireo.cli;

import java.util.Arrays;

/** Entry point of the client jar: {@code console} and (later) the function commands. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: vireo-cli console [--socket PATH] [-c COMMAND]...");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "console" -> System.exit(ConsoleClient.run(rest));
            default -> {
                System.err.println("vireo-cli: unknown command '" + args[0] + "'; known: console");
                System.exit(2);
            }
        }
    }
}
