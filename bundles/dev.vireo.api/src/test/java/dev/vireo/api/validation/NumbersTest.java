package dev.vireo.api.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vireo.api.model.ValidationException;
import org.junit.jupiter.api.Test;

class NumbersTest {
    static String refused(String text) {
        return assertThrows(ValidationException.class, () -> Numbers.integer("memory_mb", text, 16, 65_536, "MB"))
                .getMessage();
    }

    @Test
    void integralValuesInAnyNotationAreIntegers() {
        assertEquals(128, Numbers.integer("memory_mb", "128", 16, 65_536, "MB"));
        assertEquals(128, Numbers.integer("memory_mb", "128.0", 16, 65_536, "MB"));
        assertEquals(128, Numbers.integer("memory_mb", "1.28e2", 16, 65_536, "MB"));
        assertEquals(0, Numbers.integer("count", "-0", 0, 10, ""));
        assertEquals(0, Numbers.integer("count", "0e-5", 0, 10, ""));
    }

    @Test
    void fractionsAreRefusedNamingTheFieldAndTheValueAsGiven() {
        assertEquals("memory_mb: 128.9 is not an integer", refused("128.9"));
        assertEquals("concurrency: 1.5 is not an integer",
                assertThrows(ValidationException.class, () -> Numbers.integer("concurrency", "1.5", 1, 1024, ""))
                        .getMessage());
        assertEquals("timeout_ms: 0.5 is not an integer",
                assertThrows(ValidationException.class, () -> Numbers.integer("timeout_ms", "0.5", 1, 900_000, "ms"))
                        .getMessage());
        assertEquals("memory_mb: 1e-999999999 is not an integer", refused("1e-999999999"));
    }

    @Test
    void outOfRangeQuotesTheValueAsGiven() {
        assertEquals("memory_mb: 1e12 is out of range [16, 65536] MB", refused("1e12"));
        assertEquals("memory_mb: -0 is out of range [16, 65536] MB", refused("-0"));
        assertEquals("memory_mb: 1e999999999 is out of range [16, 65536] MB", refused("1e999999999"));
        assertEquals("memory_mb: 1e9999999999 is out of range", refused("1e9999999999"));
        assertEquals("memory_mb: 99999999999999999999... (5000 characters) is out of range [16, 65536] MB",
                refused("9".repeat(5000)));
    }

    @Test
    void textThatIsNotAJsonNumberIsRefused() {
        assertEquals("memory_mb: must be a JSON number, not NaN", refused("NaN"));
        refused("Infinity");
        refused("0x10");
        refused("+1");
    }

    @Test
    void decimalsAreCheckedExactly() {
        assertEquals(0.5, Numbers.decimal("cpus", "0.5", 0.01, 256, "cores"));
        assertEquals("cpus: 1e400 is out of range [0.01, 256] cores",
                assertThrows(ValidationException.class, () -> Numbers.decimal("cpus", "1e400", 0.01, 256, "cores"))
                        .getMessage());
        assertEquals("cpus: 0.001 is out of range [0.01, 256] cores",
                assertThrows(ValidationException.class, () -> Numbers.decimal("cpus", "0.001", 0.01, 256, "cores"))
                        .getMessage());
    }
}
