package dev.vireo.resource.cpugroups.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FunctionGroupsTest {
    @Test
    void theFirstMatchingEntryDecidesAndUnmatchedFunctionsGetAnyGroup() {
        FunctionGroups f = FunctionGroups.parse(" hog-*=0 ; web-1=1,2; *=2", 3);
        assertTrue(f.allows("hog-7", 0));
        assertFalse(f.allows("hog-7", 1));
        assertFalse(f.allows("hog-7", 2), "hog-* matched first: *=2 is not consulted");
        assertTrue(f.allows("web-1", 1) && f.allows("web-1", 2) && !f.allows("web-1", 0));
        assertFalse(f.allows("web-10", 1), "an id without '*' matches only itself");
        assertTrue(f.allows("web-10", 2) && !f.allows("web-10", 0), "caught by *=2");
        assertEquals("hog-*=0; web-1=1,2; *=2", f.toString());
        FunctionGroups none = FunctionGroups.parse("  ", 3);
        assertTrue(none.allows("anything", 0) && none.allows("anything", 2));
        assertEquals("", none.toString());
    }

    @Test
    void mistakesNameTheKey() {
        for (String bad : new String[] {"hog", "=0", "hog=x", "hog=3", "hog=-1", "h*g=0", "hog=0;hog=1"}) {
            ValidationException e = assertThrows(ValidationException.class, () -> FunctionGroups.parse(bad, 3), bad);
            assertEquals(FunctionGroups.KEY, e.field(), bad);
        }
        assertTrue(assertThrows(ValidationException.class, () -> FunctionGroups.parse("hog=3", 3)).getMessage()
                .contains("group 3 does not exist"));
    }

    @Test
    void theTrackerHandsAFunctionOnlyItsGroups() {
        CpuGroups g = new CpuGroups(CpuGroupsOptions.of(CpuGroupsOptionsTest.config(Map.of("groups", "0;1",
                "group_concurrency", 3, "function_groups", "hog-*=0; sensitive-1=1")), CpuList.parse("0-7")),
                new CpuGroupsTest.Recording());
        for (int i = 0; i < 3; i++) {
            ResourceGrant hog = g.tryAcquire(slot("hog-1")).orElseThrow();
            assertEquals("0", hog.assignment().get(CpuGroups.GROUP), "hogs stay in group 0 though group 1 is empty");
        }
        assertEquals(Optional.empty(), g.tryAcquire(slot("hog-2")), "group 0 is full: a hog waits");
        assertEquals("1", g.tryAcquire(slot("sensitive-1")).orElseThrow().assignment().get(CpuGroups.GROUP));
        assertEquals("1", g.tryAcquire(slot("other-1")).orElseThrow().assignment().get(CpuGroups.GROUP),
                "an unlisted function gets the least loaded group");
        assertEquals(Optional.of("needs 2.0 cpus but the largest CPU group has 1"),
                g.impossible(new ResourceRequest("t", "hog-1", Compute.CPU, 0, 2, 0, 1)));
    }

    private static ResourceRequest slot(String function) {
        return new ResourceRequest("t-" + function, function, Compute.CPU, 0, 0.5, 0, 1);
    }
}
