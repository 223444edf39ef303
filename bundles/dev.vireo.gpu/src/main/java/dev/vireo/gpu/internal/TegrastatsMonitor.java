package dev.vireo.gpu.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.gpu.GpuMonitor;
import dev.vireo.api.spi.gpu.GpuSample;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Component;

/**
 * The integrated GPU of an NVIDIA Jetson as tegrastats reports it. A Jetson's GPU shares the system memory, so
 * memory is the RAM field ({@code RAM 2448/3964MB}) and utilisation is {@code GR3D_FREQ 37%} (older boards:
 * {@code GR3D 37%@...}). One line is read ({@code tegrastats --interval 100}, first line).
 */
@Component(service = GpuMonitor.class)
@PluginName("tegrastats")
@PluginDescription("NVIDIA Jetson GPU through tegrastats (GR3D utilisation, shared RAM)")
public final class TegrastatsMonitor implements GpuMonitor {
    private static final Pattern RAM = Pattern.compile("RAM (\\d+)/(\\d+)MB");
    private static final Pattern GR3D = Pattern.compile("GR3D(?:_FREQ)? (\\d+)%");

    @Override
    public List<GpuSample> sample() throws IOException {
        return parse(Commands.run(List.of("sh", "-c", "timeout 2 tegrastats --interval 100 | head -1"), 5_000));
    }

    static List<GpuSample> parse(String output) throws IOException {
        String line = output.lines().filter(l -> l.contains("RAM ")).findFirst()
                .orElseThrow(() -> new IOException("no tegrastats line with RAM in: " + output.strip()));
        Matcher ram = RAM.matcher(line);
        Matcher gpu = GR3D.matcher(line);
        if (!ram.find() || !gpu.find()) {
            throw new IOException("unexpected tegrastats line (want RAM used/totalMB and GR3D_FREQ N%): " + line);
        }
        return List.of(new GpuSample(0, "jetson-gr3d", Double.parseDouble(gpu.group(1)), Long.parseLong(ram.group(1)),
                Long.parseLong(ram.group(2))));
    }
}
