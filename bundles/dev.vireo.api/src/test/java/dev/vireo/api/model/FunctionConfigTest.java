package dev.vireo.api.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FunctionConfigTest {
    private static FunctionConfig params(String json) {
        return new FunctionConfig(Map.of(), json, Map.of());
    }

    private static String refusal(Map<String, String> env, String parameters, Map<String, String> secrets) {
        return assertThrows(ValidationException.class, () -> new FunctionConfig(env, parameters, secrets))
                .getMessage();
    }

    @Test
    void badVariablesAndParametersAreRefusedNamingTheField() {
        assertEquals("env: '1X' is not a variable name: use letters, digits and '_', not starting with a digit, at"
                + " most 128", refusal(Map.of("1X", "v"), "", Map.of()));
        assertEquals("secrets: 'VIREO_HANDLER' is reserved: the platform sets the VIREO_* variables itself",
                refusal(Map.of(), "", Map.of("VIREO_HANDLER", "x")));
        assertEquals("env: A contains a NUL character, which no environment holds",
                refusal(Map.of("A", "a\0b"), "", Map.of()));
        assertEquals("secrets: 'K' is also in env: a variable is one or the other",
                refusal(Map.of("K", "1"), "", Map.of("K", "2")));
        assertEquals("env: A is 32769 characters, more than the 32768 allowed",
                refusal(Map.of("A", "x".repeat(32_769)), "", Map.of()));
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i < 65; i++) {
            many.put("V" + i, "");
        }
        assertEquals("env: 65 variables is more than the 64 allowed", refusal(many, "", Map.of()));
        Map<String, String> big = new HashMap<>();
        for (int i = 0; i < 5; i++) {
            big.put("V" + i, "\u00e9".repeat(16_000));
        }
        assertEquals("env: env and secrets take 160020 bytes (NAME=value, UTF-8), more than the 131072 a container's"
                + " environment is allowed here", refusal(big, "", Map.of()));
        assertEquals("", new FunctionConfig(Map.of(), " null ", Map.of()).parameters(), "null is none");
        assertEquals("", new FunctionConfig(Map.of(), "{ }", Map.of()).parameters(), "{} is none");
        assertEquals("parameters: must be a JSON object (the defaults a payload's keys are merged over)",
                refusal(Map.of(), "[1]", Map.of()));
        assertTrue(refusal(Map.of(), "{\"a\":1,\"a\":2}", Map.of()).startsWith("parameters: not valid JSON: duplicate key"));
        assertTrue(refusal(Map.of(), "{\"a\":", Map.of()).startsWith("parameters: "));
    }

    @Test
    void aPayloadIsMergedOverTheDefaultsKeepingEveryValuesText() {
        FunctionConfig c = params("{\"a\": 1.50, \"b\": {\"x\": [1, 2]}, \"c\": \"\\u00e9\"}");
        assertEquals("{\"a\": 1.50, \"b\": {\"x\": [1, 2]}, \"c\": \"\\u00e9\"}", c.merge(""));
        assertEquals(c.parameters(), c.merge(" null "));
        assertEquals("{\"a\":1.50,\"b\":false,\"c\":\"\\u00e9\",\"d\":1e400}",
                c.merge("{\"b\":false, \"d\":1e400}"), "a payload key wins, in the defaults' place; new keys after");
        assertEquals("{\"a\":1.50,\"b\":{\"x\": [1, 2]},\"\\u0063\":\"other\"}", c.merge("{\"\\u0063\":\"other\"}"),
                "one key however it is spelled (the payload's spelling)");
        assertEquals("{\"a\":1.50,\"b\":{\"x\": [1, 2]},\"c\":\"\\u00e9\"}", c.merge("{}"));
        ValidationException e = assertThrows(ValidationException.class, () -> c.merge("[1]"));
        assertEquals("payload", e.field());
        assertTrue(e.getMessage().startsWith("payload: must be a JSON object: function has default parameters"),
                e.getMessage());
        assertThrows(ValidationException.class, () -> c.merge("\u000bnull"), "only JSON's whitespace is whitespace");
        assertEquals(c.parameters(), c.merge(" \t\r\n"));
        String payload = "[\"anything\"]";
        assertSame(payload, FunctionConfig.NONE.merge(payload), "no defaults: the payload as it is, not copied");
    }

    @Test
    void secretsAreInTheEnvironmentButNeverInTheText() {
        FunctionConfig c = new FunctionConfig(Map.of("MODE", "prod"), "", Map.of("TOKEN", "s3cret"));
        assertEquals(Map.of("MODE", "prod", "TOKEN", "s3cret"), c.environment());
        assertFalse(c.toString().contains("s3cret"), c.toString());
        FunctionSpec spec = new FunctionSpec("f", "1", "img", "", "", "", Compute.CPU, "uds", 128, 1,
                java.time.Duration.ofSeconds(1), 1, null).withConfig(c);
        assertFalse(spec.toString().contains("s3cret"), spec.toString());
        assertEquals(c, spec.withBackend("sim").config(), "kept through the backend's resolution");
        assertSame(FunctionConfig.NONE, new FunctionSpec("f", "1", "img", "", "", "", Compute.CPU, "uds", 128, 1,
                java.time.Duration.ofSeconds(1), 1, null, 512, null).config());
    }
}
