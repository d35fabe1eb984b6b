package dev.tributary.outbox.autoconfigure;

import dev.tributary.outbox.relay.OutboxRelay;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the relay once the context is refreshed (after Liquibase created the outbox table) and
 * stops it on shutdown, which stops the engine, flushes its offsets, closes the producer and
 * releases the leader lock.
 */
public final class OutboxRelayLifecycle implements SmartLifecycle {

    /** Start late and stop early, after/before the web server and Kafka listeners. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

    private final OutboxRelay relay;

    public OutboxRelayLifecycle(OutboxRelay relay) {
        this.relay = relay;
    }

    @Override
    public void start() {
        relay.start();
    }

    @Override
    public void stop() {
        relay.stop();
    }

    @Override
    public boolean isRunning() {
        return relay.isRunning();
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
