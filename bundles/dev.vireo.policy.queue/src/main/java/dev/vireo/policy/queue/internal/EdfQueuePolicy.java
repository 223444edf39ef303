package dev.vireo.policy.queue.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueueContext;
import dev.vireo.api.spi.queue.QueuePolicy;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Earliest deadline first: deadline = arrival + expected execution x slack (configuration {@code vireo.queue.edf},
 * key {@code slack}). Short functions that arrived a little later can overtake long ones, but no invocation waits
 * past its deadline while later deadlines run.
 */
@Component(configurationPid = "vireo.queue.edf")
@Designate(ocd = EdfQueuePolicy.Config.class)
@PluginName("edf")
@PluginDescription("earliest deadline first (arrival + expected time x slack)")
public final class EdfQueuePolicy implements QueuePolicy {

    @ObjectClassDefinition(name = "Vireo queue: edf", description = "Deadline = arrival + expected time x slack.")
    public @interface Config {
        @AttributeDefinition(name = "Slack", description = "Deadline = arrival + expected execution time x slack.", min = "1")
        double slack() default 2.0;
    }

    private volatile double slack;

    @Activate
    public EdfQueuePolicy(Config config) {
        modified(config);
    }

    @Modified
    void modified(Config config) {
        if (!(config.slack() >= 1)) {
            throw new IllegalArgumentException("slack " + config.slack() + " must be at least 1");
        }
        slack = config.slack();
    }

    @Override
    public InvocationQueue newQueue(QueueContext context) {
        double s = slack;
        return new PriorityInvocationQueue(
                q -> q.invocation().arrivalNanos() / 1_000 + (long) (SjfQueuePolicy.expectedUs(context, q) * s));
    }
}
