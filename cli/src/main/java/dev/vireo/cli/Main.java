package dev.vireo.cli;

import dev.vireo.cli.command.BenchCommand;
import dev.vireo.cli.command.BuildCommand;
import dev.vireo.cli.command.DistCommand;
import dev.vireo.cli.command.ClusterCommand;
import dev.vireo.cli.command.DagCommand;
import dev.vireo.cli.command.DemoCommand;
import dev.vireo.cli.command.FnCommand;
import dev.vireo.cli.command.ImageCommand;
import dev.vireo.cli.command.InstanceCommands;
import dev.vireo.cli.command.RedisCommand;
import dev.vireo.cli.command.StatusCommands;
import dev.vireo.cli.command.TestCommand;
import dev.vireo.cli.command.TraceCommand;
import dev.vireo.loadgen.LoadgenCommand;
import dev.vireo.loadgen.ResultsCommand;
import dev.vireo.sim.SimCommand;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.nio.file.NoSuchFileException;
import java.util.Properties;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code vireo}: every command of the project, parsed by picocli. {@code ./vireo} only finds a JDK, builds when
 * sources changed and runs this class. Exit codes: 0 ok, 1 failure, 2 bad usage, 3 nothing running / no JDK,
 * 4 build failed, 5 already running.
 */
@Command(name = "vireo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        scope = CommandLine.ScopeType.INHERIT,
        description = "A serverless (FaaS) control plane as a plugin-based OSGi runtime.",
        subcommands = {DemoCommand.class, TestCommand.class, BuildCommand.class, DistCommand.class, InstanceCommands.Run.class,
            InstanceCommands.Start.class, InstanceCommands.Stop.class, InstanceCommands.Status.class,
            InstanceCommands.Console.class, FnCommand.class, DagCommand.class, StatusCommands.Worker.class,
            StatusCommands.Controller.class, ClusterCommand.class, RedisCommand.class, BenchCommand.class, ImageCommand.class,
            TraceCommand.class, LoadgenCommand.class, ResultsCommand.class, SimCommand.class,
            AutoComplete.GenerateCompletion.class},
        footer = {"", "Exit codes: 0 ok, 1 failure, 2 bad usage, 3 nothing running, 4 build failed, 5 already running."})
public final class Main {
    /** The project's version, from the build. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws Exception {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/vireo-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"vireo " + p.getProperty("version", "unknown") + " (Java "
                    + System.getProperty("java.version") + ")"};
        }
    }

    public static void main(String[] args) {
        Home home = Home.detect();
        home.publish();
        System.exit(commandLine().execute(args));
    }

    /** The command tree with the project's error handling (also used by the demo to run commands in-process). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
        cl.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof CliException c) {
                err.println("vireo: " + c.getMessage());
                return c.code();
            }
            if (e instanceof ParameterException p) {
                return usageError(p, err);
            }
            if (e instanceof IllegalArgumentException) {
                err.println("vireo: " + e.getMessage());
                return CliException.USAGE;
            }
            if (e instanceof NoSuchFileException) {
                err.println("vireo: no such file: " + e.getMessage());
                return CliException.FAILED;
            }
            if (e instanceof ConnectException) {
                err.println("vireo: nothing answers: " + e.getMessage());
                return CliException.NOT_RUNNING;
            }
            err.println("vireo: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            if (System.getenv("VIREO_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return CliException.FAILED;
        });
        cl.setParameterExceptionHandler((p, args) -> usageError(p, p.getCommandLine().getErr()));
        return cl;
    }

    private static int usageError(ParameterException p, PrintWriter err) {
        CommandLine cl = p.getCommandLine();
        String command = cl.getCommandSpec().qualifiedName();
        if (p instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-") && !cl.getSubcommands().isEmpty()) {
            err.println("vireo: unknown command '" + u.getUnmatched().get(0) + "' for " + command + "; commands: "
                    + String.join(", ", cl.getSubcommands().keySet()));
        } else {
            err.println("vireo: " + p.getMessage());
            if (p instanceof UnmatchedArgumentException u) {
                UnmatchedArgumentException.printSuggestions(u, err);
            }
        }
        err.println("(" + command + " --help shows the usage)");
        return CliException.USAGE;
    }
}
