package dev.tributary.worker.execution;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The worker's meters: {@code tributary.worker.tasks} (timer of handler runs, tags {@code type}
 * and {@code outcome} = {@code succeeded}/{@code failed}), {@code tributary.worker.tasks.running}
 * (gauge per type, including tasks whose result is being published) and {@code
 * tributary.worker.dead.letters} (counter per type) and {@code tributary.worker.tasks.cancelled}
 * (counter per type, tag {@code while} = {@code running}/{@code queued}) and {@code
 * tributary.worker.cancellations.remembered} (gauge: cancellations kept for attempts that may still
 * arrive) and {@code tributary.worker.results.remembered} (gauge: attempts finished here whose
 * dispatch, delivered again, is skipped) and {@code tributary.worker.dispatches.duplicate} (counter
 * per type: dispatches skipped because their attempt had finished here).
 */
final class TaskMetrics {

    private final MeterRegistry registry;

    TaskMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void finished(String type, boolean succeeded, long nanos) {
        Timer.builder("tributary.worker.tasks")
                .description("Task attempts run by this worker")
                .tag("type", type)
                .tag("outcome", succeeded ? "succeeded" : "failed")
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    void deadLettered(String type) {
        Counter.builder("tributary.worker.dead.letters")
                .description("Task records this worker could not decode and dead-lettered")
                .tag("type", type)
                .register(registry)
                .increment();
    }

    void cancelled(String type, boolean whileRunning) {
        Counter.builder("tributary.worker.tasks.cancelled")
                .description("Attempts stopped by a TaskCancel, while running or before they started")
                .tag("type", type)
                .tag("while", whileRunning ? "running" : "queued")
                .register(registry)
                .increment();
    }

    void rememberedCancellations(Supplier<Number> remembered) {
        Gauge.builder("tributary.worker.cancellations.remembered", remembered)
                .description("Recent cancellations remembered for attempts that have not arrived or started")
                .strongReference(true)
                .register(registry);
    }

    void rememberedResults(Supplier<Number> remembered) {
        Gauge.builder("tributary.worker.results.remembered", remembered)
                .description("Attempts finished here lately: a dispatch of one of them delivered again is skipped")
                .strongReference(true)
                .register(registry);
    }

    void duplicate(String type) {
        Counter.builder("tributary.worker.dispatches.duplicate")
                .description("Dispatches skipped because their attempt finished here and its result was published")
                .tag("type", type)
                .register(registry)
                .increment();
    }

    void running(String type, Supplier<Number> running) {
        Gauge.builder("tributary.worker.tasks.running", running)
                .description("Tasks started and not yet finished, including publishing their result")
                .tag("type", type)
                .strongReference(true)
                .register(registry);
    }
}
