package dev.tributary.outbox.autoconfigure;

import java.util.function.BooleanSupplier;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the relay (Debezium or polling) once the context is refreshed (after Liquibase created the
 * outbox table) and stops it on shutdown, which flushes what was acknowledged, closes the producer
 * and releases the relay's locks.
 */
public final class OutboxRelayLifecycle implements SmartLifecycle {

    /**
     * Start first and stop last: before the web server (phase {@code DEFAULT_PHASE - 2048}) and the
     * Kafka consumers (default phase) start writing outbox rows, so the relay's replication slot
     * exists before the first row (see {@code OutboxRelay#start}); and after they stopped, so the
     * leader relays the rows of their last requests and batches itself before it lets go.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

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
