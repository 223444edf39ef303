package dev.vireo.kernel.internal.lifecycle;

import dev.vireo.api.worker.WorkerEndpoint;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.LinkedHashSet;
import java.util.Set;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The APIs go first when the node stops. The framework stops bundles in the reverse of the order it installed them,
 * which is the order the deploy folder lists them in, so a backend could stop (and kill its containers) while an API
 * still waits for a call in progress on one of them. When the framework begins to stop (its system bundle's STOPPING
 * event, delivered synchronously before any other bundle stops), this stops every bundle that announced an API
 * ({@link WorkerEndpoint}) first, transiently: each drains its calls in progress ({@code drain.ms}) while the worker,
 * its backends and transports are all still there. Then the framework goes on as it would.
 */
@Component(immediate = true)
public final class ShutdownOrder implements SynchronousBundleListener {
    private static final Logger LOG = System.getLogger(ShutdownOrder.class.getName());

    private final BundleContext context;

    @Activate
    public ShutdownOrder(BundleContext context) {
        this.context = context;
        context.addBundleListener(this);
    }

    @Deactivate
    void close() {
        context.removeBundleListener(this);
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getType() != BundleEvent.STOPPING || event.getBundle().getBundleId() != 0) {
            return;
        }
        Set<Bundle> apis = new LinkedHashSet<>();
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(WorkerEndpoint.class.getName(), null);
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    apis.add(r.getBundle());
                }
            }
        } catch (InvalidSyntaxException | IllegalStateException e) {
            return; // no filter is given; a context already invalid has nothing left to order
        }
        for (Bundle b : apis) {
            if (b != null && b.getState() == Bundle.ACTIVE) {
                LOG.log(Level.INFO, "stopping: " + b.getSymbolicName() + " first (it answers the calls in progress)");
                try {
                    b.stop(Bundle.STOP_TRANSIENT);
                } catch (BundleException | IllegalStateException e) {
                    LOG.log(Level.WARNING, "could not stop " + b.getSymbolicName() + " first: " + e.getMessage());
                }
            }
        }
    }
}
