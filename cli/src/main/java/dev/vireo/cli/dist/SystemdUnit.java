package dev.vireo.cli.dist;

import dev.vireo.cli.CliException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** The systemd unit {@code vireo@.service}: its template in the checkout, rendered for an install. */
public final class SystemdUnit {
    /** The template, relative to the checkout. */
    public static final String TEMPLATE = "distro/systemd/vireo@.service";
    /** What a path may hold to be written into a unit file unquoted: no spaces, specifiers or variables. */
    private static final Pattern PLAIN_PATH = Pattern.compile("/[A-Za-z0-9._/+-]*");

    private SystemdUnit() {
    }

    /** The template with {@code @PREFIX@} and {@code @STATE@} replaced; refuses paths a unit cannot hold as they are. */
    public static String render(String template, Path prefix, Path state) {
        return template.replace("@PREFIX@", plain("--prefix", prefix)).replace("@STATE@", plain("--state-dir", state));
    }

    private static String plain(String option, Path p) {
        String s = p.normalize().toString();
        if (!PLAIN_PATH.matcher(s).matches()) {
            throw new CliException(CliException.USAGE, option + " '" + p + "' must be an absolute path of letters, digits"
                    + " and . _ / + - (systemd reads %, $, spaces and quotes in a unit as more than a path)");
        }
        return s;
    }
}
