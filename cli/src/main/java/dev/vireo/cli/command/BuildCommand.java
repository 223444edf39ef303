package dev.vireo.cli.command;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code vireo build}: the launcher builds before it runs any command; this one only says so. */
@Command(name = "build", description = "Build now (./vireo otherwise builds on first use and when sources change).")
public final class BuildCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("vireo: built (log: run/build.log)");
        return 0;
    }
}
