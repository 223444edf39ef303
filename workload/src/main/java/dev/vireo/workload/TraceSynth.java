package dev.vireo.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Synthetic traces in the Azure 2019 schema, from a seed (same seed and sizes, same trace, byte for byte). The shape
 * follows what the dataset's paper reports: popularity is heavy-tailed (a few functions take most invocations;
 * mean rates log-normal over four orders of magnitude), about half the functions are HTTP-triggered and a sixth are
 * timers (periodic, every 1-15 minutes), the rest bursty queue/event/storage triggers; execution times are
 * log-normal with a median around a second and a long tail; apps hold 1-4 functions and ~150 MB.
 */
public final class TraceSynth {
    private static final String[] TRIGGERS = {"http", "http", "http", "http", "http", "http", "timer", "timer",
        "queue", "event", "storage", "orchestration"};

    /** What one function is, before its per-minute counts are drawn. */
    private record Shape(String owner, String app, String name, String trigger, int period, int phase, double perMinute,
            boolean bursty, double median, double sigma, int memoryMb) {
    }

    private TraceSynth() {
    }

    public static List<FunctionTrace> generate(int functions, int minutes, long seed) {
        return generate(functions, minutes, seed, 0);
    }

    /**
     * @param rate the average invocations per second of the whole trace; 0 = the shape's own (under 1/s for 50
     *             functions, as in the dataset, where most functions are rarely called). Non-timer functions' mean
     *             rates are scaled to it; timers keep their periods.
     */
    public static List<FunctionTrace> generate(int functions, int minutes, long seed, double rate) {
        if (functions < 1 || functions > 100_000) {
            throw new IllegalArgumentException("--functions must be 1..100000, got " + functions);
        }
        if (minutes < 1 || minutes > 1440) {
            throw new IllegalArgumentException("--minutes must be 1..1440 (one day), got " + minutes);
        }
        if (!(rate >= 0) || rate > 100_000) {
            throw new IllegalArgumentException("--rate must be 0..100000 invocations/s, got " + rate);
        }
        List<Shape> shapes = shapes(functions, seed);
        double natural = 0;
        double timers = 0;
        for (Shape s : shapes) {
            if (s.trigger().equals("timer")) {
                timers += 1.0 / s.period();
            } else {
                natural += s.perMinute();
            }
        }
        double scale = rate == 0 ? 1 : Math.max(0, rate * 60 - timers) / Math.max(1e-9, natural);
        SplittableRandom counts = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<FunctionTrace> out = new ArrayList<>();
        for (Shape s : shapes) {
            int[] c = new int[minutes];
            if (s.trigger().equals("timer")) {
                for (int m = s.phase(); m < minutes; m += s.period()) {
                    c[m] = 1;
                }
            } else {
                double mean = s.perMinute() * scale;
                for (int m = 0; m < minutes; m++) {
                    // bursty triggers: one minute in ten at ten times the mean, silent otherwise (same mean)
                    double r = s.bursty() ? (counts.nextInt(10) == 0 ? mean * 10 : 0) : mean;
                    c[m] = poisson(counts, r);
                }
            }
            long total = 0;
            for (int v : c) {
                total += v;
            }
            double m = s.median();
            double sg = s.sigma();
            double p0 = ms(m * Math.exp(-2.5 * sg));
            double p100 = ms(m * Math.exp(3.0 * sg));
            out.add(new FunctionTrace(s.owner(), s.app(), s.name(), s.trigger(), c, new FunctionTrace.Durations(
                    ms(m * Math.exp(sg * sg / 2)), total, p0, p100, p0, ms(m * Math.exp(-2.33 * sg)),
                    ms(m * Math.exp(-0.674 * sg)), ms(m), ms(m * Math.exp(0.674 * sg)), ms(m * Math.exp(2.33 * sg)), p100),
                    s.memoryMb()));
        }
        return out;
    }

    private static List<Shape> shapes(int functions, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Shape> out = new ArrayList<>();
        int f = 0;
        int app = 0;
        while (f < functions) {
            int inApp = Math.min(functions - f, 1 + random.nextInt(4));
            int appMb = Math.max(32, Math.min(2048, 16 * (int) Math.round(Math.exp(4.6 + 0.6 * gaussian(random)) / 16.0)));
            for (int k = 0; k < inApp; k++, f++) {
                String trigger = TRIGGERS[random.nextInt(TRIGGERS.length)];
                int period = 1 + random.nextInt(15);
                int phase = random.nextInt(period);
                double perMinute = Math.exp(-1.0 + 1.8 * gaussian(random));
                boolean bursty = !trigger.equals("http") && random.nextInt(3) == 0;
                double median = Math.exp(Math.log(800) + 1.2 * gaussian(random));
                double sigma = 0.3 + 0.5 * random.nextDouble();
                out.add(new Shape(hash("owner", seed, app / 3), hash("app", seed, app), hash("function", seed, f),
                        trigger, period, phase, perMinute, bursty, median, sigma, appMb / inApp));
            }
            app++;
        }
        return out;
    }

    private static double ms(double v) {
        return Math.max(1, Math.round(v * 1000) / 1000.0);
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    private static int poisson(SplittableRandom r, double mean) {
        if (mean <= 0) {
            return 0;
        }
        if (mean > 50) {
            return (int) Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(r)));
        }
        double l = Math.exp(-mean);
        int k = 0;
        double p = 1;
        do {
            k++;
            p *= r.nextDouble();
        } while (p > l);
        return k - 1;
    }

    /** A 64-hex-digit name like the dataset's hashes, derived from the seed (no real identities). */
    private static String hash(String kind, long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed * 31 + kind.hashCode() * 1_000_003L + n);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            sb.append(String.format(Locale.ROOT, "%016x", r.nextLong()));
        }
        return sb.toString();
    }
}
