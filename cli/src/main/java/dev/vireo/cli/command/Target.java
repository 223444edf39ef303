package dev.vireo.cli.command;

import dev.vireo.cli.DagClient;
import dev.vireo.cli.FnClient;
import dev.vireo.cli.Home;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * The HTTP API a client command talks to: {@code --worker URL}; else the running instance of the profile (its ready
 * marker lists where its APIs listen); else the one {@code configs/vireo.worker.http.cfg} describes for the profile
 * (its port written {@code ${vireo.http.port}} comes from the profile's properties).
 */
public final class Target {
    @Option(names = "--worker", paramLabel = "URL", description = "the worker's or controller's HTTP API"
            + " (default: from configs/vireo.worker.http.cfg and the profile)")
    String url;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:VIREO_TOKEN}",
            description = "bearer token (default: VIREO_TOKEN)")
    String token;

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = "${env:VIREO_NAMESPACE}",
            description = "act in this namespace: its functions only, registrations land in it (default:"
                    + " VIREO_NAMESPACE; else a namespace's token's own, or every namespace for the node's token)")
    String namespace;

    @Option(names = "--cacert", paramLabel = "PEM", description = "certificates to trust for an https:// API (a"
            + " private or self-signed one; default: VIREO_CACERT, else the JDK's trust)")
    String cacert;

    @Option(names = "--json", description = "print the API's JSON as is")
    boolean json;

    /** A client of {@code --worker}, else of the default profile's instance ({@link Home#defaultProfile}). */
    FnClient client() throws IOException {
        return new FnClient(url(), token, json, namespace, cacert);
    }

    /** A client of {@code --worker}, else of that profile's instance. */
    FnClient client(String profile) throws IOException {
        return new FnClient(url != null ? url : defaultUrl(Home.detect(), profile), token, json, namespace, cacert);
    }

    DagClient dagClient() throws IOException {
        return new DagClient(url(), token, json, cacert);
    }

    private String url() throws IOException {
        if (url != null) {
            return url;
        }
        Home home = Home.detect();
        return defaultUrl(home, home.defaultProfile());
    }

    static String defaultUrl(Home home, String profile) throws IOException {
        Path ready = home.runDir(profile).resolve("ready");
        if (Files.isRegularFile(ready)) {
            try {
                var endpoints = com.google.gson.JsonParser.parseString(Files.readString(ready)).getAsJsonObject()
                        .getAsJsonObject("endpoints");
                if (endpoints != null && endpoints.has("http")) {
                    return endpoints.get("http").getAsString();
                }
            } catch (IOException | RuntimeException e) {
                // a marker being written or of an older version: fall back to the configuration
            }
        }
        Properties cfg = load(home.configs().resolve("vireo.worker.http.cfg"));
        Properties profileProps = load(home.dir().resolve("distro/profiles").resolve(profile + ".properties"));
        String bind = cfg.getProperty("bind", "127.0.0.1").trim();
        String port = cfg.getProperty("port", "8070").trim();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{([^}:]+)(?::-([^}]*))?}").matcher(port);
        if (m.matches()) {
            port = profileProps.getProperty(m.group(1), m.group(2) != null ? m.group(2) : "8070").trim();
        }
        return "http://" + (bind.equals("0.0.0.0") ? "127.0.0.1" : bind) + ":" + port;
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
        }
        return p;
    }
}
