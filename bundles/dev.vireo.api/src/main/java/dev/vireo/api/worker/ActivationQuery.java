package dev.vireo.api.worker;

import dev.vireo.api.model.ValidationException;
import java.time.Instant;
import java.util.Objects;

/**
 * A question to the activation log ({@link WorkerService#activations}): the newest records first, of one function or
 * all, arrived within a time window, of one outcome or both, at most {@code limit} of them.
 *
 * @param functionId a function id, or empty for every function
 * @param since      records that arrived at or after this instant, or null for no bound
 * @param until      records that arrived before this instant, or null for no bound
 * @param status     which outcomes
 * @param limit      1 to {@value #MAX_LIMIT}
 * @since 1.5
 */
public record ActivationQuery(String functionId, Instant since, Instant until, Status status, int limit) {
    public static final int MAX_LIMIT = 1000;
    public static final int DEFAULT_LIMIT = 50;

    /** Which outcomes a query wants. */
    public enum Status {
        /** Every record. */
        ANY,
        /** Records without an error (the function returned). */
        SUCCESS,
        /** Records with an error (the function raised, timed out, ran out of memory, its container failed, ...). */
        ERROR
    }

    public ActivationQuery {
        functionId = Objects.requireNonNullElse(functionId, "");
        status = Objects.requireNonNullElse(status, Status.ANY);
        if (!functionId.isEmpty() && functionId.length() > 32 + 1 + 63 + 1 + 32) { // namespace:name-version
            throw new ValidationException("function", "'" + functionId.substring(0, 20) + "...' is not a function id");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ValidationException("limit", limit + " must be 1-" + MAX_LIMIT);
        }
        if (since != null && until != null && !since.isBefore(until)) {
            throw new ValidationException("since", since + " must be before until (" + until + ")");
        }
    }

    /**
     * A query from the APIs' text fields (HTTP query parameters, gRPC fields), checked the same way for both: each
     * field may be null or empty for its default; a bad one fails naming it.
     *
     * @param since  an ISO-8601 instant, e.g. {@code 2026-12-01T03:00:00Z}
     * @param status {@code any}, {@code success} or {@code error}
     * @param limit  1 to {@value #MAX_LIMIT}; null for {@value #DEFAULT_LIMIT}
     */
    public static ActivationQuery of(String function, String since, String until, String status, String limit) {
        int n = DEFAULT_LIMIT;
        if (limit != null && !limit.isEmpty()) {
            try {
                n = Integer.parseInt(limit.trim());
            } catch (NumberFormatException e) {
                throw new ValidationException("limit", "'" + limit + "' is not an integer (1-" + MAX_LIMIT + ")");
            }
        }
        Status st = Status.ANY;
        if (status != null && !status.isEmpty()) {
            st = switch (status.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "any" -> Status.ANY;
                case "success" -> Status.SUCCESS;
                case "error" -> Status.ERROR;
                default -> throw new ValidationException("status", "'" + status + "' is not one of any, success, error");
            };
        }
        return new ActivationQuery(function, instant("since", since), instant("until", until), st, n);
    }

    private static Instant instant(String field, String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(text.trim());
        } catch (java.time.format.DateTimeParseException e) {
            throw new ValidationException(field, "'" + text + "' is not an ISO-8601 instant (e.g. 2026-12-01T03:00:00Z)");
        }
    }

    /** Every record, the newest {@link #DEFAULT_LIMIT}. */
    public static ActivationQuery newest() {
        return new ActivationQuery("", null, null, Status.ANY, DEFAULT_LIMIT);
    }

    /** Whether a record of {@code functionId} that arrived at {@code arrival}, failed or not, answers this query. */
    public boolean matches(String recordFunctionId, Instant arrival, boolean failed) {
        return (functionId.isEmpty() || functionId.equals(recordFunctionId))
                && (since == null || !arrival.isBefore(since)) && (until == null || arrival.isBefore(until))
                && (status == Status.ANY || (status == Status.ERROR) == failed);
    }
}
