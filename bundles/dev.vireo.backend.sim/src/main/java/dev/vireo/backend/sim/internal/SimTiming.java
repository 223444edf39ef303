package dev.vireo.backend.sim.internal;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How long simulated things take: a mean in microseconds and a distribution. {@code fixed} always gives the mean;
 * {@code exponential} draws from an exponential distribution with that mean; {@code uniform} from [0.5, 1.5] x mean.
 * Draws come from a generator seeded per container, so a run with the same seed draws the same times.
 */
record SimTiming(String distribution, long seed) {
    static final java.util.List<String> DISTRIBUTIONS = java.util.List.of("fixed", "exponential", "uniform");

    SimTiming {
        distribution = distribution.toLowerCase(Locale.ROOT);
        if (!DISTRIBUTIONS.contains(distribution)) {
            throw new IllegalArgumentException("distribution '" + distribution + "' is unknown; choose one of "
                    + String.join(", ", DISTRIBUTIONS));
        }
    }

    SplittableRandom random(String containerId) {
        return new SplittableRandom(seed * 31 + containerId.hashCode());
    }

    long draw(long meanUs, SplittableRandom random) {
        if (meanUs <= 0) {
            return 0;
        }
        return switch (distribution) {
            case "exponential" -> (long) (-Math.log(1 - random.nextDouble()) * meanUs);
            case "uniform" -> (long) (meanUs * (0.5 + random.nextDouble()));
            default -> meanUs;
        };
    }
}
