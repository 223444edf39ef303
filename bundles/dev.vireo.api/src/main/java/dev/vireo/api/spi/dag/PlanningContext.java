package dev.vireo.api.spi.dag;

import dev.vireo.api.model.FunctionStats;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** What a planner may know. Threading: safe from any thread. */
@ProviderType
public interface PlanningContext {
    FunctionStats stats(String functionId);

    /** Names of the workers a plan may use. */
    List<String> workers();
}
