package dev.vireo.api.spi.dag;

import dev.vireo.api.model.ValidationException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The statistic of past executions a plan predicts with, chosen per run ({@code "sla"} in the spec, {@code --sla}):
 * the mean, or a percentile (a plan made with p90 expects each task to take what 90 % of its function's past runs
 * stayed under: more conservative, longer predicted makespans, fewer surprises).
 *
 * @since 1.3
 */
public enum Sla {
    MEAN, P50, P90, P95, P99;

    /** The default when a run names none. */
    public static final Sla DEFAULT = P50;

    /** The spelling in specs and on the command line: {@code mean}, {@code p50}, ... */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The percentile (50 for p50), or -1 for the mean. */
    public int percentile() {
        return this == MEAN ? -1 : Integer.parseInt(name().substring(1));
    }

    /** Reads {@link #id()}; an unknown name is a ValidationException naming {@code field} and listing the known ones. */
    public static Sla parse(String field, String id) {
        for (Sla s : values()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        throw new ValidationException(field, "'" + id + "' is not an SLA statistic; use one of "
                + Arrays.stream(values()).map(Sla::id).collect(Collectors.joining(", ")));
    }
}
