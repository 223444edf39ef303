package dev.vireo.api.validation;

import dev.vireo.api.model.ValidationException;
import java.math.BigDecimal;

/**
 * Numeric fields of a request, read from their JSON number text exactly (never through a {@code double}, which would
 * round 128.9 to 128 on a cast, turn 1e12 into 2147483647 and 0.5 into 0). Messages name the field as the API spells
 * it and quote the value as the client gave it, e.g. {@code memory_mb: 128.9 is not an integer} or
 * {@code memory_mb: 1e12 is out of range [16, 65536] MB}. Pure functions, safe from any thread.
 */
public final class Numbers {
    private Numbers() {
    }

    /**
     * An integer field: {@code text} must be a JSON number whose value is integral (128, 128.0 and 1.28e2 are; 128.9
     * is not) and within {@code [min, max]}.
     *
     * @throws ValidationException naming {@code field}
     */
    public static long integer(String field, String text, long min, long max, String unit) {
        BigDecimal v = exact(field, text);
        if (v.signum() != 0 && v.stripTrailingZeros().scale() > 0) {
            throw new ValidationException(field, quote(text) + " is not an integer");
        }
        if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw new ValidationException(field, quote(text) + " is out of range [" + min + ", " + max + "] " + unit);
        }
        return v.longValueExact();
    }

    /**
     * A decimal field: {@code text} must be a JSON number within {@code [min, max]}; returns the nearest double.
     *
     * @throws ValidationException naming {@code field}
     */
    public static double decimal(String field, String text, double min, double max, String unit) {
        BigDecimal v = exact(field, text);
        if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
            throw new ValidationException(field, quote(text) + " is out of range [" + plain(min) + ", " + plain(max)
                    + "] " + unit);
        }
        return v.doubleValue();
    }

    private static BigDecimal exact(String field, String text) {
        if (text == null || !text.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
            throw new ValidationException(field, "must be a JSON number, not " + quote(String.valueOf(text)));
        }
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            // only an exponent beyond +-2^31 gets here: far out of any range, or zero after rounding
            throw new ValidationException(field, quote(text) + " is out of range");
        }
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /** The value as given, shortened when long (a 5000-digit number is named by its first digits and its length). */
    static String quote(String text) {
        return text.length() <= 40 ? text : text.substring(0, 20) + "... (" + text.length() + " characters)";
    }
}
