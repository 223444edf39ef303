package dev.vireo.cli.command;

import dev.vireo.cli.CliException;
import dev.vireo.cli.Home;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vireo image build|list}: function images as OCI archives under {@code run/images} (made by
 * {@code tools/vireo_image.py} without a registry); the containerd backend imports an archive on first use. An image
 * may carry the function's own dependencies (Debian packages, wheels) under {@code /vireo/deps} (docs/agent.md).
 */
@Command(name = "image", description = "Function images (OCI archives under run/images).",
        subcommands = {ImageCommand.Build.class, ImageCommand.ListImages.class})
public final class ImageCommand {
    static Path images(Home home) {
        return home.runRoot().resolve("images");
    }

    /**
     * What an image holds beyond the runtime: the function's code and handler (both or neither), Debian packages
     * (names, fetched with apt-get download, or .deb files; the named packages only) and a directory of wheels, all
     * optional.
     */
    public record Options(Path code, String handler, List<String> apt, Path wheels) {
        public Options {
            apt = apt == null ? List.of() : List.copyOf(apt);
        }

        /** Code and handler only, no dependencies. */
        public static Options code(Path code, String handler) {
            return new Options(code, handler, List.of(), null);
        }
    }

    @Command(name = "build", description = {"Build an OCI function image: runtime layer, optional dependency layer "
            + "(--apt, --wheels: unpacked under /vireo/deps) and optional code layer.",
            "Dependencies are image-only: the process backend runs functions on the host's Python packages."})
    static final class Build implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RUNTIME", description = "python3 (Vireo's agent runs the handler) or "
                + "openwhisk-python3 (a server of the OpenWhisk action runtime protocol, for --transport openwhisk; the "
                + "code comes through its /init)")
        String runtime;

        @Option(names = "--tag", paramLabel = "REF", description = "image reference (default: vireo/RUNTIME:latest)")
        String tag;

        @Option(names = "--code", paramLabel = "DIR", description = "function code baked into the image")
        Path code;

        @Option(names = "--handler", paramLabel = "MOD.FN", description = "the code's handler")
        String handler;

        @Option(names = "--apt", paramLabel = "PKG", description = "a Debian package (a name: fetched with apt-get "
                + "download, the named package only, not its dependencies; or a .deb file), unpacked under "
                + "/vireo/deps with /usr moved to /vireo/deps/usr; no maintainer scripts run; repeatable")
        List<String> apt = new ArrayList<>();

        @Option(names = "--wheels", paramLabel = "DIR", description = "a directory of *.whl files, unpacked (without "
                + "pip) into /vireo/deps/python; a wheel that does not fit the host's python3 is refused")
        Path wheels;

        @Override
        public Integer call() throws Exception {
            return build(Home.detect(), runtime, tag, new Options(code, handler, apt, wheels));
        }
    }

    /** Builds an image with code and handler (or neither) and no dependencies; the exit code of the image tool. */
    public static int build(Home home, String runtime, String tag, Path code, String handler) throws Exception {
        return build(home, runtime, tag, Options.code(code, handler));
    }

    /**
     * Builds an image into {@code <run root>/images/<tag with / : @ as _>.tar}; the exit code of the image tool (its
     * messages go to this process's stderr).
     */
    public static int build(Home home, String runtime, String tag, Options options) throws Exception {
        String ref = tag != null ? tag : "vireo/" + runtime + ":latest";
        if (ref.isEmpty() || !ref.matches("[a-zA-Z0-9._/:@-]+")) {
            throw new CliException(CliException.USAGE, "--tag '" + ref + "' is not an image reference");
        }
        Path dir = Files.createDirectories(images(home));
        Path out = dir.resolve(ref.replaceAll("[/:@]", "_") + ".tar");
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        List<String> cmd = new ArrayList<>(List.of(python, home.dir().resolve("tools/vireo_image.py").toString(), "build",
                runtime, "--tag", ref, "--out", out.toString()));
        if (options.code() != null) {
            cmd.addAll(List.of("--code", options.code().toAbsolutePath().normalize().toString()));
        }
        if (options.handler() != null) {
            cmd.addAll(List.of("--handler", options.handler()));
        }
        for (String pkg : options.apt()) { // a file, made absolute; a name as it is
            boolean file = pkg.endsWith(".deb") || pkg.contains("/");
            cmd.addAll(List.of("--apt", file ? Path.of(pkg).toAbsolutePath().normalize().toString() : pkg));
        }
        if (options.wheels() != null) {
            cmd.addAll(List.of("--wheels", options.wheels().toAbsolutePath().normalize().toString()));
        }
        // stdout (one JSON line) through System.out, so that a caller that captures it (surefire) sees it
        Process tool = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        tool.getInputStream().transferTo(System.out);
        System.out.flush();
        return tool.waitFor();
    }

    @Command(name = "list", description = "The image archives built here.")
    static final class ListImages implements Callable<Integer> {
        @Option(names = "--json", description = "print [{name, bytes, path, handler, deps}] as JSON (deps: what "
                + "/vireo/deps holds, [{kind, name, version, file}], from the label dev.vireo.deps)")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Path dir = Files.createDirectories(images(Home.detect()));
            com.google.gson.JsonArray all = new com.google.gson.JsonArray();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".tar")).sorted().toList()) {
                    String n = f.getFileName().toString();
                    com.google.gson.JsonObject o = new com.google.gson.JsonObject();
                    o.addProperty("name", n.substring(0, n.length() - 4));
                    o.addProperty("bytes", Files.size(f));
                    o.addProperty("path", f.toString());
                    Map<String, String> labels = ImageLabels.read(f);
                    o.addProperty("handler", labels.getOrDefault("dev.vireo.handler", ""));
                    com.google.gson.JsonArray deps = deps(labels.getOrDefault("dev.vireo.deps", "[]"));
                    o.add("deps", deps);
                    all.add(o);
                    if (!json) {
                        StringBuilder line = new StringBuilder(o.get("name").getAsString() + "  " + Files.size(f)
                                + " bytes  " + f);
                        if (!o.get("handler").getAsString().isEmpty()) {
                            line.append("  handler ").append(o.get("handler").getAsString());
                        }
                        if (!deps.isEmpty()) {
                            List<String> names = new ArrayList<>();
                            deps.forEach(d -> names.add(d.getAsJsonObject().get("name").getAsString() + " "
                                    + d.getAsJsonObject().get("version").getAsString()));
                            line.append("  deps ").append(String.join(", ", names));
                        }
                        System.out.println(line);
                    }
                }
            }
            if (json) {
                System.out.println(all);
            }
            return 0;
        }

        private static com.google.gson.JsonArray deps(String label) {
            try {
                return com.google.gson.JsonParser.parseString(label).getAsJsonArray();
            } catch (RuntimeException e) { // a label written by something else
                return new com.google.gson.JsonArray();
            }
        }
    }
}
