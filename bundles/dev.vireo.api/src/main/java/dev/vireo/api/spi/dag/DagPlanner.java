package dev.vireo.api.spi.dag;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Turns a workflow DAG into a plan. Threading: stateless and safe from many threads.
 */
@ProviderType
public interface DagPlanner {
    DagPlan plan(DagSpec dag, PlanningContext context);
}
