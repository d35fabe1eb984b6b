package dev.tributary.bench;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationContext;

/**
 * The submission relay's own lag timer ({@code tributary.outbox.relay.lag}: outbox row {@code
 * created_at} → Kafka acknowledgement), read per phase as the difference of its histogram buckets
 * between two marks. Percentiles are bucket upper bounds ("at most"), as precise as the timer's
 * percentile histogram.
 */
final class RelayLagMeter {

    /** The timer's bucket counts (cumulative) and total count at one moment. */
    record Mark(double[] bounds, long[] cumulative, long count) {}

    private final @Nullable Timer timer;

    RelayLagMeter(ApplicationContext submission, String outboxName) {
        this.timer = submission
                .getBean(MeterRegistry.class)
                .find("tributary.outbox.relay.lag")
                .tag("outbox", outboxName)
                .timer();
    }

    @Nullable
    Mark mark() {
        if (timer == null) {
            return null;
        }
        var snapshot = timer.takeSnapshot();
        CountAtBucket[] buckets = snapshot.histogramCounts();
        double[] bounds = new double[buckets.length];
        long[] counts = new long[buckets.length];
        long sum = 0;
        for (int i = 0; i < buckets.length; i++) {
            bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
            counts[i] = (long) buckets[i].count();
            sum += counts[i];
        }
        long total = snapshot.count();
        boolean cumulative = buckets.length > 0 && counts[counts.length - 1] == total && sum != total;
        if (!cumulative) {
            long running = 0;
            for (int i = 0; i < counts.length; i++) {
                running += counts[i];
                counts[i] = running;
            }
        }
        return new Mark(bounds, counts, total);
    }

    /** "p50 ≤ x, p99 ≤ y" (ms) of what was recorded between the marks, or "n/a". */
    static String percentiles(@Nullable Mark before, @Nullable Mark after) {
        if (before == null || after == null || before.bounds().length != after.bounds().length) {
            return "n/a";
        }
        long total = after.count() - before.count();
        if (total <= 0) {
            return "n/a";
        }
        long[] delta = new long[after.cumulative().length];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = after.cumulative()[i] - before.cumulative()[i];
            if (delta[i] < 0) {
                return "n/a (histogram not cumulative)";
            }
        }
        return String.format(
                Locale.ROOT,
                "≤%s / ≤%s",
                bound(after.bounds(), delta, total, 0.50),
                bound(after.bounds(), delta, total, 0.99));
    }

    private static String bound(double[] bounds, long[] cumulative, long total, double percentile) {
        long rank = (long) Math.ceil(percentile * total);
        for (int i = 0; i < cumulative.length; i++) {
            if (cumulative[i] >= rank) {
                return String.format(Locale.ROOT, "%.1f", bounds[i]);
            }
        }
        return "max";
    }
}
