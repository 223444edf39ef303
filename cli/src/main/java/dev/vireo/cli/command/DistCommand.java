package dev.vireo.cli.command;

import dev.vireo.cli.Home;
import dev.vireo.cli.dist.Distribution;
import dev.vireo.cli.instance.Instance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vireo dist}: the tarballs an operator installs (docs/operations.md). */
@Command(name = "dist", description = {"Package a profile for installing elsewhere: dist/vireo-VERSION-PROFILE.tar.gz",
    "with bin/vireo, the bundles, configs/ and a systemd unit; it needs only a JRE >= 21 (or --runtime).",
    "Install: tar -xzf FILE -C /opt && ln -s /opt/vireo-VERSION-PROFILE /opt/vireo (docs/operations.md)."})
public final class DistCommand implements Callable<Integer> {
    @Option(names = "--profile", paramLabel = "PROFILE", split = ",",
            description = "all-in-one, worker, controller (repeatable or comma-separated; default: all three)")
    List<String> profiles = Instance.PROFILES;

    @Option(names = "--out", paramLabel = "DIR", description = "where the tarballs go (default: dist/ in the checkout)")
    Path out;

    @Option(names = "--runtime", description = "carry a Java runtime linked (jlink) from the JDK running this command")
    boolean runtime;

    @Option(names = "--together", description = "one tarball vireo-VERSION.tar.gz holding every profile given (what the"
            + " Ansible roles install; bin/vireo's default profile is then all-in-one)")
    boolean together;

    @Option(names = "--image", description = "also a container image of each profile (dist/vireo-VERSION-PROFILE.oci.tar:"
            + " docker load or ctr import; runs unprivileged, a worker on the simulated backend)")
    boolean image;

    @Option(names = "--prefix", paramLabel = "DIR", defaultValue = "/opt/vireo",
            description = "where it will be installed: the systemd unit's paths (default: ${DEFAULT-VALUE})")
    Path prefix;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/vireo",
            description = "the instances' run folders under systemd (default: ${DEFAULT-VALUE})")
    Path state;

    @Override
    public Integer call() throws Exception {
        profiles.forEach(Instance::checkProfile);
        Home home = Home.detect();
        Path dir = out != null ? out.toAbsolutePath() : home.dir().resolve("dist");
        List<Path> made = new Distribution(home, new Distribution.Options(profiles, dir, prefix, state, runtime, together, image)).build();
        for (Path p : made) {
            System.out.printf("vireo: %s (%.1f MB)%n", p, Files.size(p) / 1e6);
        }
        System.out.println("vireo: " + dir.resolve("ansible") + " (playbooks, roles, the configuration keys of these"
                + " bundles: docs/operations.md)");
        return 0;
    }
}
