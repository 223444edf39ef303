package dev.vireo.api.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vireo.api.model.ValidationException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class JsonTextTest {
    static String refused(String text) {
        return assertThrows(ValidationException.class, () -> JsonText.check("payload", text)).getMessage();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-0", "1.5", "-1.5e-300", "1E+400", "true", "false", "null", "\"\"", "[]", "{}",
            " \t\r\n[1, \"two\", {\"a\": null}] \n", "{\"a\":1,\"b\":{\"a\":2}}", "\"\\ud83d\\ude00 \\u00e9 \\/ \\b\"",
            "\"😀 é\"", "{\"a\":1,\"\\u0062\":2}"})
    void strictJsonPassesUnchanged(String text) {
        assertEquals(text, JsonText.check("payload", text));
    }

    @Test
    void aNumberOfAnyLengthIsJson() {
        String big = "9".repeat(5000);
        assertEquals(big, JsonText.check("payload", big));
        assertEquals("[" + big + "e99999999999]", JsonText.check("payload", "[" + big + "e99999999999]"));
    }

    @Test
    void eachRefusalSaysWhatAndWhere() {
        assertEquals("payload: not valid JSON: NaN and Infinity are not JSON numbers at line 1, column 2",
                refused("[NaN]"));
        assertEquals("payload: not valid JSON: malformed number: a digit must follow '-' at line 1, column 1",
                refused("-Infinity"));
        assertEquals("payload: not valid JSON: duplicate key \"a\" at line 2, column 2", refused("{\"a\":1,\n \"a\":2}"));
        assertEquals("payload: not valid JSON: duplicate key \"b\" at line 1, column 8",
                refused("{\"b\":1,\"\\u0062\":2}"), "keys compare after unescaping");
        assertEquals("payload: not valid JSON: text after the JSON value at line 1, column 5", refused("{}  x"));
        assertEquals("payload: not valid JSON: lone surrogate U+D800 (not valid Unicode) at line 1, column 8",
                refused("\"\\ud800\""));
        assertEquals("payload: not valid JSON: empty text, expected a JSON value at line 1, column 1", refused(""));
        assertEquals("payload: not valid JSON: nested deeper than 128 arrays and objects at line 1, column 129",
                refused("[".repeat(10_000) + "]".repeat(10_000)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"NaN", "Infinity", "[1,]", "{\"a\":1,}", "{'a':1}", "{a:1}", "// c\n1", "01", "1.", ".5",
            "+1", "1e", "0x10", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\ud800\"", "\"\udc00x\"",
            "\"a\nb\"", "\"\\x\"", "\"\\u12\"", "\"\\u０１２３\"", "\"abc", "[1 2]", "{\"a\" 1}", "[", "{", "tru", "nul",
            "\uFEFF{}", "\u00a0{}", "{} {}", "1 2"})
    void everythingElseIsRefused(String text) {
        refused(text);
    }

    @Test
    void nestingUpToTheLimitIsFineAndDeeperIsRefusedWithoutAStackOverflow() {
        int max = JsonText.MAX_DEPTH;
        JsonText.check("payload", "[".repeat(max) + "]".repeat(max));
        JsonText.check("payload", "{\"a\":".repeat(max) + "1" + "}".repeat(max));
        refused("[".repeat(max + 1) + "]".repeat(max + 1));
        refused("{\"a\":".repeat(1_000_000));
    }

    @Test
    void utf8IsDecodedStrictly() {
        assertEquals("é😀", JsonText.utf8("payload", "é😀".getBytes(StandardCharsets.UTF_8)));
        assertEquals("payload: invalid UTF-8 at byte 2 (0xFF)",
                assertThrows(ValidationException.class, () -> JsonText.utf8("payload", new byte[] {'"', 'a', (byte) 0xff, '"'}))
                        .getMessage());
        // overlong '/' (C0 AF), an encoded surrogate (ED A0 80), past U+10FFFF (F4 90 80 80), a cut sequence (E2 82)
        for (byte[] bad : new byte[][] {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {'1', (byte) 0xE2, (byte) 0x82}}) {
            ValidationException e = assertThrows(ValidationException.class, () -> JsonText.utf8("payload", bad));
            assertEquals("payload", e.field());
        }
    }

    @Test
    void parseReturnsTheValueWithNumbersAsTheirText() {
        assertEquals(java.util.Map.of("a", java.util.Arrays.asList(new JsonText.Number("1e400"), "é", true, null)),
                JsonText.parse("body", "{\"a\":[1e400,\"\\u00e9\",true,null]}"));
        assertEquals(new JsonText.Number("9".repeat(5000)), JsonText.parse("body", "9".repeat(5000)));
    }
}
