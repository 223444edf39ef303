package dev.vireo.api.model;

/** Bad input: the message names the field, the value and the rule it broke, so it can be shown to a user as is. */
public class ValidationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public ValidationException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    /** The field (or request part) that was wrong. */
    public String field() {
        return field;
    }

    static String require(String field, String value, java.util.regex.Pattern pattern, String rule) {
        if (value == null || value.isEmpty()) {
            throw new ValidationException(field, "is required");
        }
        if (!pattern.matcher(value).matches()) {
            throw new ValidationException(field, "'" + abbreviate(value) + "' is invalid: " + rule);
        }
        return value;
    }

    static long range(String field, long value, long min, long max, String unit) {
        if (value < min || value > max) {
            throw new ValidationException(field, value + " is out of range [" + min + ", " + max + "] " + unit);
        }
        return value;
    }

    static String abbreviate(String value) {
        return value.length() <= 80 ? value : value.substring(0, 77) + "...";
    }
}
