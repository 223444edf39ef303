package dev.vireo.backend.support;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Image references as docker and containerd read them: {@code [registry/]path[:tag][@digest]}, where the first
 * component is a registry when it holds a dot or a colon, is {@code localhost}, or has upper case (a path cannot); so
 * {@code vireo/python3:latest} is a local name and {@code 127.0.0.1:5000/vireo/fn:1} names its registry.
 */
public final class ImageReferences {
    private ImageReferences() {
    }

    /** The registry the reference names, if it names one. */
    public static Optional<String> registry(String image) {
        int slash = image.indexOf('/');
        if (slash <= 0) {
            return Optional.empty();
        }
        String first = image.substring(0, slash);
        return first.contains(".") || first.contains(":") || first.equals("localhost")
                || !first.equals(first.toLowerCase(Locale.ROOT)) ? Optional.of(first) : Optional.empty();
    }

    /**
     * Whether a registry is reached over plain HTTP: one on this host (localhost, 127.0.0.0/8, ::1: as docker treats
     * them), or one {@code insecure} lists (host or host:port).
     */
    public static boolean plainHttp(String registry, Set<String> insecure) {
        String host = registry.startsWith("[") ? registry.substring(1, Math.max(1, registry.indexOf(']')))
                : registry.contains(":") ? registry.substring(0, registry.lastIndexOf(':')) : registry;
        return host.equals("localhost") || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}") || host.equals("::1")
                || insecure.contains(registry) || insecure.contains(host);
    }
}
