package dev.vireo.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemPackage;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.ops4j.pax.exam.Option;

/**
 * Pax Exam options that boot the real distro profile: every bundle of {@code distro/target/export/PROFILE}, with a
 * private copy of {@code configs/} and a private {@code deploy/} folder per test (their paths are framework
 * properties the tests read back).
 */
final class VireoOptions {
    static final String IT_DIR = "vireo.it.dir";

    private VireoOptions() {
    }

    static final String HTTP_PORT = "vireo.it.http.port";

    /** A port free now, for the HTTP API of one test framework. */
    static int freePort() throws IOException {
        try (var socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static Option[] profile(String profile, String rolePoints) throws IOException {
        Path home = Path.of(System.getProperty("vireo.home")).toRealPath();
        Path export = Path.of(System.getProperty("vireo.export.dir"), profile);
        Path dir = Files.createTempDirectory("vireo-it-");
        Path configs = Files.createDirectories(dir.resolve("configs"));
        Path deploy = Files.createDirectories(dir.resolve("deploy"));
        int port = freePort();
        ConfigFiles.copy(home.resolve("configs"), configs);
        List<Option> options = new ArrayList<>();
        try (Stream<Path> jars = Files.list(export)) {
            jars.filter(p -> p.toString().endsWith(".jar")).sorted()
                    .forEach(j -> options.add(bundle(j.toUri().toString())));
        }
        if (options.isEmpty()) {
            throw new IllegalStateException("no bundles in " + export + ": build the distro first");
        }
        options.add(junitBundles());
        options.add(frameworkProperty("felix.fileinstall.dir").value(configs.toString()));
        options.add(frameworkProperty("felix.fileinstall.poll").value("200"));
        options.add(frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
        options.add(frameworkProperty("felix.fileinstall.enableConfigSave").value("false"));
        options.add(frameworkProperty("felix.fileinstall.log.level").value("1"));
        options.add(frameworkProperty("vireo.deploy.dir").value(deploy.toString()));
        options.add(frameworkProperty("vireo.role.points").value(rolePoints));
        options.add(frameworkProperty(IT_DIR).value(dir.toString()));
        options.add(frameworkProperty("vireo.home").value(home.toString()));
        options.add(frameworkProperty(HTTP_PORT).value(Integer.toString(port)));
        // the instance's settings, as ./vireo passes them: the HTTP API on a free port, gRPC on any, and no
        // containerd or docker in the framework (ContainerdIT/DockerIT drive them through started workers)
        options.add(frameworkProperty("vireo.http.port").value(Integer.toString(port)));
        options.add(frameworkProperty("vireo.grpc.port").value("0"));
        options.add(frameworkProperty("vireo.backends").value("sim, process"));
        options.add(systemPackage("com.sun.net.httpserver"));
        options.add(systemPackage("sun.misc"));
        options.add(frameworkProperty("vireo.lifo.jar").value(System.getProperty("vireo.lifo.jar")));
        options.add(systemProperty("org.ops4j.pax.url.mvn.localRepository")
                .value(System.getProperty("org.ops4j.pax.url.mvn.localRepository", "")));
        options.add(cleanCaches(true));
        return options.toArray(new Option[0]);
    }
}
