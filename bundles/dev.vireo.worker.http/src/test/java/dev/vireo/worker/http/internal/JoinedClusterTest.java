package dev.vireo.worker.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.vireo.api.cluster.WorkerMember;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a worker learns from its controller's GET /workers. */
class JoinedClusterTest {
    static final List<WorkerMember> MEMBERS = List.of(
            new WorkerMember("worker-1", "10.0.0.1:8071", true, 2, 1, 8, 3, 120, 0, 4,
                    Instant.parse("2026-11-22T20:50:13.646Z"), ""),
            new WorkerMember("worker-2", "10.0.0.2:8071", false, 0, 0, 4, 0, 7, 3, 4, Instant.EPOCH,
                    "missed 3 heartbeats"));

    /** The controller's answer, as HttpApi writes it. */
    static String answer(List<WorkerMember> members) {
        JsonObject o = new JsonObject();
        o.addProperty("controller", "controller-1");
        o.add("workers", Json.members(members));
        return o.toString();
    }

    @Test
    void theMembersReadBackAsTheControllerWroteThem() {
        assertEquals(MEMBERS, JoinedCluster.parse(answer(MEMBERS)));
        assertEquals(List.of(), JoinedCluster.parse(answer(List.of())));
    }

    @Test
    void aMemberNeedsANameAndAnAddressTheRestDefaults() {
        assertEquals(List.of(new WorkerMember("w", "h:1", false, 0, 0, 0, 0, 0, 0, 0, Instant.EPOCH, "")),
                JoinedCluster.parse("{\"workers\":[{\"name\":\"w\",\"address\":\"h:1\",\"last_seen\":\"?\"}]}"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JoinedCluster.parse(
                "{\"workers\":[{\"name\":\"w\"}]}")).getMessage().startsWith("a worker without name or address"));
    }

    @Test
    void anAnswerOfAnotherShapeIsRefusedSayingWhy() {
        assertEquals("not {\"workers\": [...]}", assertThrows(IllegalArgumentException.class,
                () -> JoinedCluster.parse("{\"error\":{\"kind\":\"NOT_FOUND\"}}")).getMessage());
        assertEquals("not {\"workers\": [...]}", assertThrows(IllegalArgumentException.class,
                () -> JoinedCluster.parse("[]")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JoinedCluster.parse("{\"workers\":"))
                .getMessage().startsWith("not JSON"));
        assertEquals("a worker is not an object: 3", assertThrows(IllegalArgumentException.class,
                () -> JoinedCluster.parse("{\"workers\":[3]}")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JoinedCluster.parse(
                "{\"workers\":[{\"name\":\"w\",\"address\":\"h:1\",\"slots\":\"many\"}]}")).getMessage()
                .startsWith("worker 'w': "));
    }

    @Test
    void forgettingLeavesNoMember() {
        JoinedCluster c = new JoinedCluster();
        assertEquals(List.of(), c.members());
        c.learn(MEMBERS);
        assertEquals(MEMBERS, c.members());
        c.forget();
        assertEquals(List.of(), c.members());
    }
}
