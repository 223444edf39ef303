package dev.vireo.worker.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Short SHA-256 digests of text, in hex: the worker's container ids, registration fingerprints and code states. */
final class Digests {
    private Digests() {
    }

    /** The first {@code bytes} bytes of SHA-256 over {@code text} (UTF-8), as {@code 2 * bytes} hex digits. */
    static String sha256Hex(CharSequence text, int bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
