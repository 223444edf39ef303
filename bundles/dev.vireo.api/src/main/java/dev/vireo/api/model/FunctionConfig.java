package dev.vireo.api.model;

import dev.vireo.api.validation.JsonText;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a function is configured with beside its code and limits: environment variables, default parameters and
 * secrets. Every container of the function gets the variables and the secrets in its environment; every invocation's
 * payload is merged over the default parameters when it is admitted (a key of the payload wins).
 *
 * <p>Secrets are environment variables whose values are never shown: {@link #toString} lists their names only, and
 * the APIs answer with names only ({@code secrets: ["DB_PASSWORD"]}). A worker stores them apart from the rest of the
 * registration, readable by its own user only.
 *
 * @param env        variable name to value; names as {@link #VARIABLE}, not starting with {@value #RESERVED_PREFIX}
 *                   (the platform's), at most {@value #MAX_VARIABLES}; values without NUL, at most
 *                   {@value #MAX_VALUE_CHARS} characters
 * @param parameters a JSON object (strict, as {@link JsonText} checks it) of at most {@value #MAX_PARAMETERS_CHARS}
 *                   characters, or empty for none ({@code {}} and {@code null} are none)
 * @param secrets    as {@code env}; no name in both; both together at most {@value #MAX_ENVIRONMENT_BYTES} bytes
 */
public record FunctionConfig(Map<String, String> env, String parameters, Map<String, String> secrets) {
    /** No variables, no parameters, no secrets. */
    public static final FunctionConfig NONE = new FunctionConfig(Map.of(), "", Map.of());
    /** A POSIX-portable environment variable name, 1-128 characters. */
    public static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    /** Names the platform sets itself ({@code VIREO_HANDLER}, ...): a function cannot set them. */
    public static final String RESERVED_PREFIX = "VIREO_";
    public static final int MAX_VARIABLES = 64;
    public static final int MAX_VALUE_CHARS = 32_768;
    public static final int MAX_PARAMETERS_CHARS = 65_536;
    /** Most bytes of env and secrets together, as NAME=value in UTF-8 (Linux takes about 2 MiB for all of exec). */
    public static final int MAX_ENVIRONMENT_BYTES = 131_072;

    public FunctionConfig {
        env = variables("env", env);
        secrets = variables("secrets", secrets);
        long bytes = 0;
        for (String name : secrets.keySet()) {
            if (env.containsKey(name)) {
                throw new ValidationException("secrets", "'" + name + "' is also in env: a variable is one or the"
                        + " other");
            }
        }
        for (Map<String, String> m : java.util.List.of(env, secrets)) {
            for (var e : m.entrySet()) {
                bytes += e.getKey().length() + 2 + e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            }
        }
        if (bytes > MAX_ENVIRONMENT_BYTES) {
            throw new ValidationException(secrets.isEmpty() ? "env" : "secrets", "env and secrets take " + bytes
                    + " bytes (NAME=value, UTF-8), more than the " + MAX_ENVIRONMENT_BYTES + " a container's"
                    + " environment is allowed here");
        }
        parameters = parameters == null ? "" : parameters;
        if (!parameters.isEmpty()) {
            if (parameters.length() > MAX_PARAMETERS_CHARS) {
                throw new ValidationException("parameters", parameters.length() + " characters is more than the "
                        + MAX_PARAMETERS_CHARS + " allowed");
            }
            Object value = JsonText.parse("parameters", parameters);
            if (value != null && !(value instanceof Map)) {
                throw new ValidationException("parameters", "must be a JSON object (the defaults a payload's keys"
                        + " are merged over)");
            }
            if (value == null || ((Map<?, ?>) value).isEmpty()) {
                parameters = ""; // null and {}: none, one spelling
            }
        }
    }

    private static Map<String, String> variables(String field, Map<String, String> given) {
        if (given == null || given.isEmpty()) {
            return Map.of();
        }
        if (given.size() > MAX_VARIABLES) {
            throw new ValidationException(field, given.size() + " variables is more than the " + MAX_VARIABLES
                    + " allowed");
        }
        Map<String, String> sorted = new TreeMap<>();
        for (var e : given.entrySet()) {
            String name = e.getKey();
            if (name == null || !VARIABLE.matcher(name).matches()) {
                throw new ValidationException(field, "'" + (name == null ? "null"
                        : ValidationException.abbreviate(name)) + "' is not a variable name: use letters, digits and"
                        + " '_', not starting with a digit, at most 128");
            }
            if (name.startsWith(RESERVED_PREFIX)) {
                throw new ValidationException(field, "'" + name + "' is reserved: the platform sets the "
                        + RESERVED_PREFIX + "* variables itself");
            }
            String value = e.getValue();
            if (value == null) {
                throw new ValidationException(field, name + " has no value (give \"\" for an empty one)");
            }
            if (value.length() > MAX_VALUE_CHARS) {
                throw new ValidationException(field, name + " is " + value.length() + " characters, more than the "
                        + MAX_VALUE_CHARS + " allowed");
            }
            if (value.indexOf('\0') >= 0) {
                throw new ValidationException(field, name + " contains a NUL character, which no environment holds");
            }
            sorted.put(name, value);
        }
        return Collections.unmodifiableMap(sorted);
    }

    /** The variables and the secrets together: what a backend puts in a container's environment. */
    public Map<String, String> environment() {
        if (secrets.isEmpty()) {
            return env;
        }
        Map<String, String> all = new TreeMap<>(env);
        all.putAll(secrets);
        return Collections.unmodifiableMap(all);
    }

    /**
     * The payload a function receives: {@code payload} as it is without default parameters; otherwise the defaults
     * with the payload's keys merged over them (an empty payload, or JSON {@code null}, gets the defaults alone). Both
     * texts keep their keys' order and their values' text (numbers are not converted).
     *
     * @param payload a checked JSON text (the APIs check it), or empty
     * @throws ValidationException naming {@code payload} when there are defaults and it is not a JSON object
     */
    public String merge(String payload) {
        if (parameters.isEmpty()) {
            return payload;
        }
        String p = payload == null ? "" : jsonTrim(payload);
        if (p.isEmpty() || p.equals("null")) {
            return parameters;
        }
        Map<String, String> merged = new LinkedHashMap<>(JsonText.members("parameters", parameters));
        Map<String, String> given;
        try {
            given = JsonText.members("payload", p);
        } catch (ValidationException e) {
            throw new ValidationException("payload", "must be a JSON object: function has default parameters to"
                    + " merge it with (" + e.getMessage() + ")");
        }
        merged.putAll(given);
        StringBuilder out = new StringBuilder(parameters.length() + p.length()).append('{');
        for (String member : merged.values()) {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(member);
        }
        return out.append('}').toString();
    }

    /** The text without JSON's whitespace (space, tab, CR, LF) around it; no other character counts as whitespace. */
    private static String jsonTrim(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && " \t\r\n".indexOf(s.charAt(a)) >= 0) {
            a++;
        }
        while (b > a && " \t\r\n".indexOf(s.charAt(b - 1)) >= 0) {
            b--;
        }
        return s.substring(a, b);
    }

    /** Names of the secrets only: their values are never shown. */
    @Override
    public String toString() {
        return "FunctionConfig[env=" + env + ", parameters=" + parameters + ", secrets=" + secrets.keySet() + "]";
    }
}
