package dev.vireo.api.model;

import java.util.regex.Pattern;

/**
 * One request to run a function.
 *
 * @param tid          transaction id carried through every call and log line of this invocation
 * @param functionId   {@code name-version}
 * @param payload      the JSON argument, as text
 * @param arrivalNanos {@link dev.vireo.api.time.Clock#nanoTime()} when the invocation arrived
 */
public record Invocation(String tid, String functionId, String payload, long arrivalNanos) {
    public static final Pattern TID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    public Invocation {
        ValidationException.require("tid", tid, TID, "use 1-64 letters, digits, '.', '_', ':' or '-'");
        if (functionId == null || functionId.isEmpty()) {
            throw new ValidationException("function", "is required");
        }
        payload = payload == null ? "" : payload;
    }
}
