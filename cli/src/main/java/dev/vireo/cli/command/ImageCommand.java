package dev.vireo.cli.command;

import dev.vireo.cli.CliException;
import dev.vireo.cli.Home;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vireo image build|list}: function images as OCI archives under {@code run/images} (made by
 * {@code tools/vireo_image.py} without a registry); the containerd backend imports an archive on first use.
 */
@Command(name = "image", description = "Function images (OCI archives under run/images).",
        subcommands = {ImageCommand.Build.class, ImageCommand.ListImages.class})
public final class ImageCommand {
    static Path images(Home home) {
        return home.runRoot().resolve("images");
    }

    @Command(name = "build", description = "Build an OCI function image: runtime layer + optional code layer.")
    static final class Build implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RUNTIME", description = "python3")
        String runtime;

        @Option(names = "--tag", paramLabel = "REF", description = "image reference (default: vireo/RUNTIME:latest)")
        String tag;

        @Option(names = "--code", paramLabel = "DIR", description = "function code baked into the image")
        Path code;

        @Option(names = "--handler", paramLabel = "MOD.FN", description = "the code's handler")
        String handler;

        @Override
        public Integer call() throws Exception {
            return build(Home.detect(), runtime, tag, code, handler);
        }
    }

    /** Builds an image; the exit code of the image tool. */
    public static int build(Home home, String runtime, String tag, Path code, String handler) throws Exception {
        String ref = tag != null ? tag : "vireo/" + runtime + ":latest";
        if (ref.isEmpty() || !ref.matches("[a-zA-Z0-9._/:@-]+")) {
            throw new CliException(CliException.USAGE, "--tag '" + ref + "' is not an image reference");
        }
        Path dir = Files.createDirectories(images(home));
        Path out = dir.resolve(ref.replaceAll("[/:@]", "_") + ".tar");
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        List<String> cmd = new ArrayList<>(List.of(python, home.dir().resolve("tools/vireo_image.py").toString(), "build",
                runtime, "--tag", ref, "--out", out.toString()));
        if (code != null) {
            cmd.addAll(List.of("--code", code.toAbsolutePath().normalize().toString()));
        }
        if (handler != null) {
            cmd.addAll(List.of("--handler", handler));
        }
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    @Command(name = "list", description = "The image archives built here.")
    static final class ListImages implements Callable<Integer> {
        @Option(names = "--json", description = "print [{name, bytes, path}] as JSON")
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
                    all.add(o);
                    if (!json) {
                        System.out.println(o.get("name").getAsString() + "  " + Files.size(f) + " bytes  " + f);
                    }
                }
            }
            if (json) {
                System.out.println(all);
            }
            return 0;
        }
    }
}
