package dev.tributary.outbox.relay;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The relay's meters, tagged {@code outbox=<name>}: events relayed, relay lag (row {@code
 * created_at} to Kafka acknowledgement), re-send attempts, dead-lettered events, replication slot
 * lag in bytes, and leader status.
 */
final class RelayMetrics {

    static final String RELAYED = "tributary.outbox.relayed";
    static final String LAG = "tributary.outbox.relay.lag";
    static final String SLOT_LAG = "tributary.outbox.slot.lag.bytes";
    static final String LEADER = "tributary.outbox.leader";
    static final String RETRIES = "tributary.outbox.relay.retries";
    static final String DEAD_LETTERED = "tributary.outbox.dead-lettered";

    private final Counter relayed;
    private final Counter retries;
    private final Counter deadLettered;
    private final Timer lag;
    private final AtomicLong slotLagBytes = new AtomicLong(-1);
    private final AtomicLong leader = new AtomicLong();

    RelayMetrics(@Nullable MeterRegistry registry, String outboxName) {
        MeterRegistry meters = registry == null ? new SimpleMeterRegistry() : registry;
        Tags tags = Tags.of("outbox", outboxName);
        relayed = Counter.builder(RELAYED)
                .description("Outbox events produced to Kafka and acknowledged")
                .tags(tags)
                .register(meters);
        retries = Counter.builder(RETRIES)
                .description("Re-send attempts of unacknowledged outbox events (Kafka unavailable or failing)")
                .tags(tags)
                .register(meters);
        deadLettered = Counter.builder(DEAD_LETTERED)
                .description("Outbox events Kafka can never accept, sent to the dead-letter topic")
                .tags(tags)
                .register(meters);
        lag = Timer.builder(LAG)
                .description("Time from the outbox row's created_at to the Kafka acknowledgement")
                .tags(tags)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(meters);
        Gauge.builder(SLOT_LAG, slotLagBytes, value -> value.get() < 0 ? Double.NaN : value.get())
                .description("WAL bytes between the server's current position and the slot's confirmed flush position")
                .baseUnit("bytes")
                .tags(tags)
                .register(meters);
        Gauge.builder(LEADER, leader, AtomicLong::get)
                .description("1 while this instance holds the relay's leader lock, else 0")
                .tags(tags)
                .register(meters);
    }

    void relayed(Duration sinceCreated) {
        relayed.increment();
        lag.record(sinceCreated.isNegative() ? Duration.ZERO : sinceCreated);
    }

    void retried() {
        retries.increment();
    }

    void deadLettered() {
        deadLettered.increment();
    }

    void slotLag(long bytes) {
        slotLagBytes.set(bytes);
    }

    void leader(boolean isLeader) {
        leader.set(isLeader ? 1 : 0);
    }

    long relayedCount() {
        return (long) relayed.count();
    }
}
