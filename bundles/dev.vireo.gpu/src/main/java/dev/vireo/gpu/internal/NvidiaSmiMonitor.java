package dev.vireo.gpu.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.gpu.GpuMonitor;
import dev.vireo.api.spi.gpu.GpuSample;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * GPUs as nvidia-smi reports them:
 * {@code nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits},
 * one line per GPU, e.g. {@code 0, NVIDIA H100 80GB HBM3, 37, 1024, 81559}.
 */
@Component(service = GpuMonitor.class)
@PluginName("nvidia-smi")
@PluginDescription("NVIDIA GPUs through nvidia-smi (utilisation, memory)")
public final class NvidiaSmiMonitor implements GpuMonitor {
    static final List<String> COMMAND = List.of("nvidia-smi",
            "--query-gpu=index,name,utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits");

    @Override
    public List<GpuSample> sample() throws IOException {
        return parse(Commands.run(COMMAND, 10_000));
    }

    /** Parses the CSV; "[N/A]" or "[Not Supported]" fields read as 0. A malformed line is an error naming it. */
    static List<GpuSample> parse(String csv) throws IOException {
        List<GpuSample> out = new ArrayList<>();
        for (String line : csv.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            if (f.length != 5) {
                throw new IOException("unexpected nvidia-smi line (want index, name, utilization, used, total): " + line);
            }
            try {
                out.add(new GpuSample(Integer.parseInt(f[0].trim()), f[1].trim(), number(f[2]), (long) number(f[3]),
                        (long) number(f[4])));
            } catch (NumberFormatException e) {
                throw new IOException("unexpected nvidia-smi line: " + line, e);
            }
        }
        return out;
    }

    private static double number(String field) {
        String v = field.trim();
        return v.startsWith("[") ? 0 : Double.parseDouble(v);
    }
}
