package dev.vireo.kernel.internal.settings;

import dev.vireo.api.worker.NodeConfiguration;
import dev.vireo.api.worker.NodeSettings;
import java.io.IOException;
import java.lang.reflect.Array;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The node's configuration as Configuration Admin holds it now ({@link NodeConfiguration}): every {@code vireo.*}
 * configuration with its values as the components were given them (a file's {@code ${...}} already replaced), secrets
 * redacted, without the bookkeeping keys Configuration Admin and FileInstall add.
 */
@Component(service = NodeConfiguration.class)
public final class ConfigurationView implements NodeConfiguration {
    /** Keys that say where a configuration came from, not how a component runs. */
    private static final Set<String> BOOKKEEPING = Set.of(Constants.SERVICE_PID, ConfigurationAdmin.SERVICE_FACTORYPID,
            ConfigurationAdmin.SERVICE_BUNDLELOCATION, "felix.fileinstall.filename");

    private final ConfigurationAdmin admin;

    @Activate
    public ConfigurationView(@Reference ConfigurationAdmin admin) {
        this.admin = admin;
    }

    @Override
    public Map<String, Map<String, String>> current() {
        Configuration[] all;
        try {
            all = admin.listConfigurations(null);
        } catch (IOException | InvalidSyntaxException e) {
            throw new IllegalStateException("Configuration Admin could not list the configurations: " + e.getMessage(),
                    e);
        }
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (Configuration c : all == null ? new Configuration[0] : all) {
            String key = key(c.getPid(), c.getFactoryPid());
            Dictionary<String, Object> props = c.getProperties();
            if (key.startsWith("vireo.") && props != null) {
                out.put(key, values(props));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * The name a configuration goes by, as its file is named: the pid, or for a factory configuration
     * {@code factoryPid-name} (Configuration Admin's {@code factoryPid~name}).
     */
    static String key(String pid, String factoryPid) {
        if (factoryPid == null) {
            return pid;
        }
        int tilde = pid.indexOf('~');
        return factoryPid + "-" + (tilde >= 0 ? pid.substring(tilde + 1) : pid);
    }

    /** A configuration's values as text (an array's elements joined by commas), secrets redacted. */
    static Map<String, String> values(Dictionary<String, Object> props) {
        Map<String, String> m = new TreeMap<>();
        for (Enumeration<String> keys = props.keys(); keys.hasMoreElements(); ) {
            String k = keys.nextElement();
            if (!BOOKKEEPING.contains(k)) {
                m.put(k, NodeSettings.shown(k, text(props.get(k))));
            }
        }
        return m;
    }

    private static String text(Object value) {
        if (value == null) {
            return "";
        }
        if (value.getClass().isArray()) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < Array.getLength(value); i++) {
                b.append(i == 0 ? "" : ",").append(Array.get(value, i));
            }
            return b.toString();
        }
        if (value instanceof Iterable<?> it) {
            StringBuilder b = new StringBuilder();
            it.forEach(v -> b.append(b.isEmpty() ? "" : ",").append(v));
            return b.toString();
        }
        return value.toString();
    }
}
