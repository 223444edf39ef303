package dev.vireo.api.validation;

import dev.vireo.api.model.ValidationException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;

/**
 * Strict UTF-8 and strict JSON: what every API accepts as an invocation payload, and what a function's result must be
 * to be returned. A text passes {@link #check} when it is exactly one JSON value as RFC 8259 defines it (no NaN or
 * Infinity, no comments, no single quotes, no trailing commas, nothing after the value but whitespace) and also:
 * no object repeats a key (RFC 8259 only says SHOULD; parsers disagree on which one wins), nesting is at most
 * {@link #MAX_DEPTH} deep, and every string is valid Unicode (no lone surrogate, escaped or not, so that the text
 * encodes to UTF-8 and back unchanged). Numbers of any length or exponent are accepted: they are passed on as text.
 *
 * <p>Written for Vireo rather than using a parser: the API bundle has no dependencies, both front ends must give the
 * same message, and no parser at hand reports duplicate keys or lone surrogates; this one checks without building a
 * tree or converting a number. Stateless and thread-safe.
 */
public final class JsonText {
    /** Deepest nesting of arrays and objects accepted (serde_json's default limit; Gson's is 255). */
    public static final int MAX_DEPTH = 128;

    private final String field;
    private final String s;
    private final boolean build;
    private int i;

    private JsonText(String field, String s, boolean build) {
        this.field = field;
        this.s = s;
        this.build = build;
    }

    /** A JSON number as its exact text (never converted: a 5000-digit integer or 1e400 stays what it is). */
    public record Number(String text) {
    }

    /**
     * Decodes UTF-8 strictly: a malformed or overlong sequence, an encoded surrogate or a code point past U+10FFFF is
     * refused with its byte offset instead of being replaced.
     *
     * @throws ValidationException naming {@code field}
     */
    public static String utf8(String field, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            StringBuilder seq = new StringBuilder();
            for (int k = at; k < Math.min(bytes.length, at + Math.max(1, r.length())); k++) {
                seq.append(seq.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "0x%02X", bytes[k] & 0xff));
            }
            throw new ValidationException(field, "invalid UTF-8 at byte " + at + " (" + seq + ")");
        }
        return out.flip().toString();
    }

    /**
     * Checks that {@code text} is one strict JSON value (see the class comment) and returns it unchanged.
     *
     * @throws ValidationException naming {@code field}, what is wrong and where (line, column)
     */
    public static String check(String field, String text) {
        read(field, text, false);
        return text;
    }

    /**
     * Checks {@code text} like {@link #check} and returns its value: a {@code Map<String, Object>} (keys in order),
     * a {@code List<Object>}, a {@code String}, a {@link Number}, a {@code Boolean} or {@code null}.
     */
    public static Object parse(String field, String text) {
        return read(field, text, true);
    }

    /**
     * Checks {@code text} like {@link #check} and requires a JSON object; returns its members by key (decoded: two
     * spellings of one key are one key), each as its own text {@code "key":value} exactly as written, in order. A
     * merge of two objects joins such members without re-encoding a value.
     *
     * @throws ValidationException naming {@code field} when the text is not strict JSON or not an object
     */
    public static Map<String, String> members(String field, String text) {
        check(field, text);
        JsonText p = new JsonText(field, text, false);
        p.whitespace();
        if (p.peek() != '{') {
            throw new ValidationException(field, "must be a JSON object");
        }
        p.i++;
        Map<String, String> members = new LinkedHashMap<>();
        p.whitespace();
        if (p.peek() == '}') {
            return members;
        }
        while (true) {
            p.whitespace();
            int start = p.i;
            StringBuilder key = new StringBuilder();
            p.string(key);
            p.whitespace();
            p.expect(':', "':' after the key");
            p.whitespace();
            int value = p.i;
            p.value(1);
            members.put(key.toString(), text.substring(start, p.keyEnd(start)) + ":" + text.substring(value, p.i));
            p.whitespace();
            if (p.s.charAt(p.i++) == '}') {
                return members;
            }
        }
    }

    /** The end of the key string that starts at {@code start} (the text was checked: it is well formed). */
    private int keyEnd(int start) {
        int j = start + 1;
        while (s.charAt(j) != '"') {
            j += s.charAt(j) == '\\' ? 2 : 1;
        }
        return j + 1;
    }

    /**
     * Appends {@code s} as a JSON string literal, escaped as Gson escapes (not HTML-safe): quote, backslash, control
     * characters, U+2028 and U+2029; a lone surrogate (text that is not valid Unicode, e.g. from a log) becomes
     * U+FFFD, so that the output is always valid JSON and UTF-8. The one string writer of the code base that writes
     * JSON by hand (workflow arguments, JSON log lines, OTLP).
     */
    public static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && k + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(k + 1))) {
                        out.append(c).append(s.charAt(++k));
                    } else if (Character.isSurrogate(c)) {
                        out.append('\ufffd');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static Object read(String field, String text, boolean build) {
        if (text == null) {
            throw new ValidationException(field, "is required");
        }
        JsonText p = new JsonText(field, text, build);
        Object v = p.value(0);
        p.whitespace();
        if (p.i < text.length()) {
            throw p.fail("text after the JSON value");
        }
        return v;
    }

    private Object value(int depth) {
        whitespace();
        if (i >= s.length()) {
            throw fail(i == 0 ? "empty text, expected a JSON value" : "unexpected end of text, expected a value");
        }
        char c = s.charAt(i);
        switch (c) {
            case '{' -> {
                return object(depth + 1);
            }
            case '[' -> {
                return array(depth + 1);
            }
            case '"' -> {
                StringBuilder text = build ? new StringBuilder() : null;
                string(text);
                return build ? text.toString() : null;
            }
            case 't' -> {
                literal("true");
                return Boolean.TRUE;
            }
            case 'f' -> {
                literal("false");
                return Boolean.FALSE;
            }
            case 'n' -> {
                literal("null");
                return null;
            }
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    int start = i;
                    number();
                    return build ? new Number(s.substring(start, i)) : null;
                } else if (s.startsWith("NaN", i) || s.startsWith("Infinity", i)) {
                    throw fail("NaN and Infinity are not JSON numbers");
                } else {
                    throw fail("unexpected " + describe(c) + ", expected a value");
                }
            }
        }
    }

    private void nest(int depth) {
        if (depth > MAX_DEPTH) {
            throw fail("nested deeper than " + MAX_DEPTH + " arrays and objects");
        }
        i++;
    }

    private Map<String, Object> object(int depth) {
        nest(depth);
        whitespace();
        Map<String, Object> map = build ? new LinkedHashMap<>() : null;
        if (peek() == '}') {
            i++;
            return map;
        }
        Set<String> keys = new HashSet<>();
        while (true) {
            whitespace();
            if (peek() != '"') {
                throw fail(i >= s.length() ? "unterminated object" : "unexpected " + describe(peek())
                        + ", expected a key in double quotes");
            }
            int at = i;
            StringBuilder key = new StringBuilder();
            string(key);
            if (!keys.add(key.toString())) {
                i = at;
                throw fail("duplicate key \"" + abbreviate(key.toString()) + "\"");
            }
            whitespace();
            expect(':', "':' after the key");
            Object v = value(depth);
            if (build) {
                map.put(key.toString(), v);
            }
            whitespace();
            char c = peek();
            i++;
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                i--;
                throw fail(i >= s.length() ? "unterminated object" : "unexpected " + describe(c)
                        + ", expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) {
        nest(depth);
        whitespace();
        List<Object> list = build ? new ArrayList<>() : null;
        if (peek() == ']') {
            i++;
            return list;
        }
        while (true) {
            Object v = value(depth);
            if (build) {
                list.add(v);
            }
            whitespace();
            char c = peek();
            i++;
            if (c == ']') {
                return list;
            }
            if (c != ',') {
                i--;
                throw fail(i >= s.length() ? "unterminated array" : "unexpected " + describe(c)
                        + ", expected ',' or ']'");
            }
        }
    }

    /** A string from its opening quote; appends its decoded text to {@code out} when given. */
    private void string(StringBuilder out) {
        i++;
        while (true) {
            if (i >= s.length()) {
                throw fail("unterminated string");
            }
            char c = s.charAt(i);
            if (c == '"') {
                i++;
                return;
            }
            if (c < 0x20) {
                throw fail("control character " + describe(c) + " in a string must be escaped");
            }
            if (c == '\\') {
                c = escape();
            } else {
                i++;
            }
            if (Character.isHighSurrogate(c)) {
                char low = i < s.length() && s.charAt(i) == '\\' && i + 1 < s.length() && s.charAt(i + 1) == 'u'
                        ? escape() : i < s.length() ? s.charAt(i++) : 0;
                if (!Character.isLowSurrogate(low)) {
                    i -= 1;
                    throw fail("lone surrogate " + hex(c) + " (not valid Unicode)");
                }
                if (out != null) {
                    out.append(c).append(low);
                }
            } else if (Character.isLowSurrogate(c)) {
                i--;
                throw fail("lone surrogate " + hex(c) + " (not valid Unicode)");
            } else if (out != null) {
                out.append(c);
            }
        }
    }

    /** An escape from its backslash; returns the character it stands for. */
    private char escape() {
        if (i + 1 >= s.length()) {
            throw fail("unterminated string");
        }
        char e = s.charAt(i + 1);
        i += 2;
        return switch (e) {
            case '"' -> '"';
            case '\\' -> '\\';
            case '/' -> '/';
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'u' -> {
                int v = 0;
                for (int k = 0; k < 4; k++) {
                    int d = i < s.length() ? Character.digit(s.charAt(i), 16) : -1;
                    if (d < 0 || s.charAt(i) > 'f') {
                        throw fail("\\u needs four hex digits");
                    }
                    v = v * 16 + d;
                    i++;
                }
                yield (char) v;
            }
            default -> {
                i -= 1;
                throw fail("invalid escape \\" + e);
            }
        };
    }

    private void number() {
        int start = i;
        if (peek() == '-') {
            i++;
        }
        if (peek() == '0') {
            i++;
            if (isDigit(peek())) {
                throw fail("a number must not have a leading zero");
            }
        } else if (!digits()) {
            i = start;
            throw fail("malformed number: a digit must follow '-'");
        }
        if (peek() == '.') {
            i++;
            if (!digits()) {
                throw fail("malformed number: a digit must follow '.'");
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            i++;
            if (peek() == '+' || peek() == '-') {
                i++;
            }
            if (!digits()) {
                throw fail("malformed number: a digit must follow the exponent's 'e'");
            }
        }
    }

    private boolean digits() {
        int start = i;
        while (isDigit(peek())) {
            i++;
        }
        return i > start;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void literal(String word) {
        if (!s.startsWith(word, i)) {
            throw fail("unexpected " + describe(s.charAt(i)) + ", expected a value");
        }
        i += word.length();
    }

    private void expect(char c, String what) {
        if (peek() != c) {
            throw fail(i >= s.length() ? "unexpected end of text, expected " + what
                    : "unexpected " + describe(peek()) + ", expected " + what);
        }
        i++;
    }

    /** RFC 8259 whitespace only: space, tab, line feed, carriage return. */
    private void whitespace() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            i++;
        }
    }

    private char peek() {
        return i < s.length() ? s.charAt(i) : 0;
    }

    private ValidationException fail(String why) {
        int line = 1;
        int column = 1;
        for (int k = 0; k < Math.min(i, s.length()); k++) {
            if (s.charAt(k) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new ValidationException(field, "not valid JSON: " + why + " at line " + line + ", column " + column);
    }

    private static String describe(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : hex(c);
    }

    private static String hex(char c) {
        return String.format(Locale.ROOT, "U+%04X", (int) c);
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 37) + "...";
    }
}
