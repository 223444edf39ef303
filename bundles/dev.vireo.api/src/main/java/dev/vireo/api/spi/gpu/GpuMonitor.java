package dev.vireo.api.spi.gpu;

import java.io.IOException;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Reads GPU utilisation and memory. Threading: may be called from any thread; one call at a time is enough.
 */
@ProviderType
public interface GpuMonitor {
    /** One sample per GPU; an empty list when the host has none. */
    List<GpuSample> sample() throws IOException;
}
