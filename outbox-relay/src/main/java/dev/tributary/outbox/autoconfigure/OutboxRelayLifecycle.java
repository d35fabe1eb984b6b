package dev.tributary.outbox.autoconfigure;

import java.util.function.BooleanSupplier;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the relay (Debezium or polling) once the context is refreshed (after Liquibase created the
 * outbox table) and stops it on shutdown, which flushes what was acknowledged, closes the producer
 * and releases the relay's locks.
 */
public final class OutboxRelayLifecycle implements SmartLifecycle {

    /** Start late and stop early, after/before the web server and Kafka listeners. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

    private final Runnable start;
    private final Runnable stop;
    private final BooleanSupplier running;

    public OutboxRelayLifecycle(Runnable start, Runnable stop, BooleanSupplier running) {
        this.start = start;
        this.stop = stop;
        this.running = running;
    }

    @Override
    public void start() {
        start.run();
    }

    @Override
    public void stop() {
        stop.run();
    }

    @Override
    public boolean isRunning() {
        return running.getAsBoolean();
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
