package dev.vireo.api.worker;

import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.ValidationException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The bearer tokens of namespaces, as an API's {@code namespace.tokens} says them: {@code namespace:token} entries
 * separated by commas or blanks (a namespace may have several tokens, to rotate them). A caller presenting one acts in
 * that namespace only ({@link ScopedWorker}); the node's own token ({@code auth.token}) may act in any. Immutable.
 *
 * @since 1.8
 */
public final class NamespaceTokens {
    /** RFC 6750's b64token, at least 16 characters: a token that cannot be guessed by trying. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]{16,512}=*");
    public static final NamespaceTokens NONE = new NamespaceTokens(List.of());

    private record Entry(String namespace, byte[] bearer) {
    }

    private final List<Entry> entries;

    private NamespaceTokens(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * Reads {@code namespace:token, ...}.
     *
     * @param field the configuration key, for messages
     * @throws ValidationException naming {@code field} and the entry that is wrong (never the token itself)
     */
    public static NamespaceTokens parse(String field, String text) {
        List<Entry> entries = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return NONE;
        }
        int n = 0;
        for (String entry : text.trim().split("[,\\s]+")) {
            n++;
            int colon = entry.indexOf(':');
            String namespace = colon < 0 ? "" : entry.substring(0, colon);
            String token = colon < 0 ? "" : entry.substring(colon + 1);
            if (!FunctionSpec.NAMESPACE.matcher(namespace).matches()) {
                throw new ValidationException(field, "entry " + n + " must be namespace:token with a namespace of 1-32"
                        + " lower-case letters, digits or '-' starting with a letter");
            }
            if (!TOKEN.matcher(token).matches()) {
                throw new ValidationException(field, "the token of namespace " + namespace + " (entry " + n + ") must be"
                        + " 16-512 characters of A-Z a-z 0-9 . _ ~ + / - (then '=' padding)");
            }
            byte[] bearer = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
            for (Entry e : entries) {
                if (MessageDigest.isEqual(e.bearer(), bearer)) {
                    throw new ValidationException(field, "namespaces " + e.namespace() + " and " + namespace
                            + " have the same token");
                }
            }
            entries.add(new Entry(namespace, bearer));
        }
        return new NamespaceTokens(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The namespaces that have tokens. */
    public Set<String> namespaces() {
        Set<String> out = new TreeSet<>();
        entries.forEach(e -> out.add(e.namespace()));
        return out;
    }

    /**
     * The namespace whose token an {@code Authorization} value ({@code Bearer <token>}) presents, if any; every token
     * is compared, each in constant time.
     */
    public Optional<String> namespaceOf(String authorization) {
        byte[] given = authorization == null ? new byte[0] : authorization.getBytes(StandardCharsets.UTF_8);
        String found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(given, e.bearer()) && found == null) {
                found = e.namespace();
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * An API's namespace tokens as its configuration gives them ({@link #parse}), checked against the node's own:
     * they need {@code nodeToken} (without it, a call without any token could act in every namespace), and none may
     * be a node token ({@link #refuseNodeTokens}).
     *
     * @param otherNodeTokens further tokens the node presents as itself (its {@code client.token})
     * @throws ValidationException naming {@code field}
     */
    public static NamespaceTokens configured(String field, String text, String nodeToken, String... otherNodeTokens) {
        NamespaceTokens tokens = parse(field, text);
        if (!tokens.isEmpty() && (nodeToken == null || nodeToken.isEmpty())) {
            throw new ValidationException(field, "needs auth.token: without the node's own token, a call without any"
                    + " token could act in every namespace");
        }
        tokens.refuseNodeTokens(field, nodeToken);
        tokens.refuseNodeTokens(field, otherNodeTokens);
        return tokens;
    }

    /**
     * Refuses a namespace token that is one of the node's own (its {@code auth.token}, its {@code client.token}): its
     * holders would act as the node, in every namespace.
     *
     * @throws ValidationException naming {@code field} and the namespace (never the token)
     */
    public void refuseNodeTokens(String field, String... nodeTokens) {
        for (String t : nodeTokens) {
            if (t != null && !t.isEmpty()) {
                namespaceOf("Bearer " + t).ifPresent(ns -> {
                    throw new ValidationException(field, "namespace " + ns + "'s token is the node's own token: its"
                            + " holders would act in every namespace");
                });
            }
        }
    }

    /** Whether the {@code Authorization} value presents {@code token} (the node's own), in constant time. */
    public static boolean presents(String authorization, String token) {
        byte[] given = authorization == null ? new byte[0] : authorization.getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, ("Bearer " + token).getBytes(StandardCharsets.UTF_8));
    }
}
