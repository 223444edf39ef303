package dev.vireo.kernel.internal.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.worker.NodeSettings;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigurationViewTest {

    @Test
    void aFactoryConfigurationGoesByItsFileName() {
        assertEquals("vireo.worker", ConfigurationView.key("vireo.worker", null));
        assertEquals("vireo.resource.gpu-a100", ConfigurationView.key("vireo.resource.gpu~a100", "vireo.resource.gpu"));
        // a factory configuration made without a name keeps its generated pid
        assertEquals("vireo.x-vireo.x.1234", ConfigurationView.key("vireo.x.1234", "vireo.x"));
    }

    @Test
    void valuesAreTextWithSecretsRedactedAndBookkeepingLeftOut() {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("service.pid", "vireo.worker.http");
        props.put("felix.fileinstall.filename", "file:/x/vireo.worker.http.cfg");
        props.put("port", 8070);
        props.put("auth.token", "s3cret");
        props.put("registry.password", "");
        props.put("names", new String[] {"a", "b"});
        props.put("sizes", new int[] {1, 2, 3});
        props.put("list", List.of("x", "y"));
        Map<String, String> v = ConfigurationView.values(props);
        assertEquals(Map.of("port", "8070", "auth.token", NodeSettings.REDACTED, "registry.password", "",
                "names", "a,b", "sizes", "1,2,3", "list", "x,y"), v);
    }

    @Test
    void secretsAreNamedByTheirKeys() {
        for (String k : List.of("auth.token", "TOKEN", "db.password", "aws.secret.key", "tls.private.key",
                "credentials.file", ".hidden", "api.key", "apikey", "registry.passwd", "registry.pass", "bearer")) {
            assertTrue(NodeSettings.isSecret(k), k);
        }
        for (String k : List.of("port", "keepalive.ttl", "queue.capacity", "memory.mb", "name", "passes.max",
                "keys", "passthrough")) {
            assertFalse(NodeSettings.isSecret(k), k);
        }
        assertEquals("", NodeSettings.shown("auth.token", ""), "an unset secret says it is unset");
    }
}
