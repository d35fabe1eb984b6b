package dev.tributary.benchmark;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** One load step (or the warm-up): its target rate, its workflows and what was counted live. */
final class Step {

    final String name;
    final double rate;
    final boolean measured;
    final Queue<WorkflowRun> runs = new ConcurrentLinkedQueue<>();
    /** Outbox row {@code created_at} → record CreateTime of this step's workflows' records, ms. */
    final Histogram outboxMillis = new ConcurrentHistogram(3);

    final AtomicLong scheduled = new AtomicLong();
    final AtomicLong created = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    /** Arrivals the pacer could not send on time because {@code max-in-flight} requests were open. */
    final AtomicLong delayedByClient = new AtomicLong();

    /** Wall-clock milliseconds of the step's first and last scheduled arrival window. */
    volatile long startMillis;

    volatile long endMillis;

    Step(String name, double rate, boolean measured) {
        this.name = name;
        this.rate = rate;
        this.measured = measured;
    }
}
