package dev.vireo.backend.docker.internal;

import java.util.Optional;

/**
 * Image references as docker reads them: {@code [registry/]path[:tag]}, where the first component is a registry when
 * it holds a dot or a colon or is {@code localhost} (so {@code vireo/python3:latest} is a local name and
 * {@code 127.0.0.1:5000/vireo/fn:1} names its registry). Digests ({@code @sha256:...}) are left to docker as they are.
 */
final class Images {
    private Images() {
    }

    /** The repository (with its registry, if any) and the tag ({@code latest} when none is given). */
    record Reference(String repository, String tag) {
    }

    static Reference parse(String image) {
        int at = image.indexOf('@');
        if (at >= 0) {
            return new Reference(image, "");
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (colon > slash) {
            return new Reference(image.substring(0, colon), image.substring(colon + 1));
        }
        return new Reference(image, "latest");
    }

    /** The registry the reference names, if it names one ({@link dev.vireo.backend.support.ImageReferences}). */
    static Optional<String> registry(String image) {
        return dev.vireo.backend.support.ImageReferences.registry(image);
    }
}
