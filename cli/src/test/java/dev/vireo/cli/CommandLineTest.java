package dev.vireo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command of the tree, as a user meets it first: its help, a typo, a missing value. */
class CommandLineTest {
    record Outcome(int code, String out, String err) {
    }

    static Outcome run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Outcome(cl.execute(args), out.toString(), err.toString());
    }

    /** The path of every command in the tree, e.g. [fn, invoke]. */
    static List<List<String>> commands(CommandLine cl, List<String> path) {
        List<List<String>> all = new ArrayList<>();
        all.add(path);
        cl.getSubcommands().forEach((name, sub) -> {
            List<String> p = new ArrayList<>(path);
            p.add(name);
            all.addAll(commands(sub, p));
        });
        return all;
    }

    @Test
    void everyCommandHasHelpThatExitsZero() {
        List<List<String>> all = commands(Main.commandLine(), List.of());
        assertTrue(all.size() > 40, "the whole tree: " + all.size());
        // picocli warns on System.err about a description it cannot format (a lone '%')
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(warnings, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            for (List<String> path : all) {
                List<String> args = new ArrayList<>(path);
                args.add("--help");
                Outcome o = run(args.toArray(String[]::new));
                assertEquals(0, o.code(), path + ": " + o.err());
                assertTrue(o.out().contains("Usage: vireo"), path + ": " + o.out());
                String warned = warnings.toString(java.nio.charset.StandardCharsets.UTF_8);
                assertTrue(!warned.contains("picocli WARN"), path + "'s help: " + warned);
            }
        } finally {
            System.setErr(stderr);
        }
    }

    @Test
    void anUnknownOptionIsAUsageErrorEverywhere() {
        for (List<String> path : commands(Main.commandLine(), List.of())) {
            if (path.equals(List.of("generate-completion"))) {
                continue; // picocli's own command: it ignores what it does not know
            }
            List<String> args = new ArrayList<>(path);
            args.add("--bogus");
            args.add("x");
            Outcome o = run(args.toArray(String[]::new));
            assertEquals(2, o.code(), path + ": " + o.err());
            assertTrue(o.err().startsWith("vireo: "), path + ": " + o.err());
        }
    }

    @Test
    void usageErrorsNameWhatIsWrong() {
        Outcome missing = run("trace", "synth", "--functions");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("Missing required parameter for option '--functions'"), missing.err());
        Outcome command = run("frobnicate");
        assertEquals(2, command.code());
        assertTrue(command.err().contains("unknown command 'frobnicate'") && command.err().contains("demo"),
                command.err());
        Outcome number = run("bench", "controller", "--clients", "1,x");
        assertEquals(2, number.code());
        assertTrue(number.err().contains("--clients"), number.err());
        Outcome source = run("fn", "register", "f", "--image", "i", "--code", "/tmp", "--handler", "m.f");
        assertEquals(2, source.code());
        assertTrue(source.err().contains("mutually exclusive"), source.err());
        Outcome version = run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("vireo "), version.out());
    }

    @Test
    void shellCompletionIsGenerated() {
        Outcome o = run("generate-completion");
        assertEquals(0, o.code());
        assertTrue(o.out().contains("complete -F") && o.out().contains("loadgen"), o.out().substring(0, 200));
    }
}
