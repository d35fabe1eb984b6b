package dev.tributary.outbox.relay;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's batch handler: produces each outbox event of a batch, waits for the broker's
 * acknowledgements, and marks records processed strictly in order and only once acknowledged, so
 * the stored offset never passes an event Kafka has not got. Records that are not outbox rows
 * (heartbeats, logical decoding messages) are marked without producing.
 *
 * <p>When a send fails (Kafka down, timeouts), it re-sends the batch from the first unacknowledged
 * record on, with a bounded exponential backoff, until it succeeds or the relay stops; it never
 * drops an event and never lets the engine die. A re-send may duplicate events already acknowledged
 * later in the batch; duplicates carry the same {@code ce_id} and consumers deduplicate on it.
 */
final class RelayHandler implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);
    private static final long WAIT_SLICE_MILLIS = 100;

    private final RelayProducer producer;
    private final String source;
    private final RelayMetrics metrics;
    private final Consumer<Instant> relayedUpTo;
    private final BooleanSupplier halted;
    private final Duration initialBackoff;
    private final Duration maxBackoff;

    RelayHandler(
            RelayProducer producer,
            OutboxRelayProperties properties,
            RelayMetrics metrics,
            Consumer<Instant> relayedUpTo,
            BooleanSupplier halted) {
        this.producer = producer;
        this.source = properties.source();
        this.metrics = metrics;
        this.relayedUpTo = relayedUpTo;
        this.halted = halted;
        this.initialBackoff = properties.sendRetryBackoff();
        this.maxBackoff = properties.sendRetryMaxBackoff();
    }

    @Override
    public void handleBatch(
            List<RecordChangeEvent<SourceRecord>> records,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        int size = records.size();
        List<@Nullable OutboxEvent> events = new ArrayList<>(size);
        for (RecordChangeEvent<SourceRecord> change : records) {
            events.add(OutboxEvent.from(change.record(), source));
        }
        int next = 0;
        Duration backoff = initialBackoff;
        int attempt = 0;
        while (next < size) {
            attempt++;
            List<@Nullable Future<RecordMetadata>> futures = sendFrom(events, next);
            int failedAt = size;
            Throwable failure = null;
            for (int i = next; i < size; i++) {
                OutboxEvent event = events.get(i);
                if (event != null) {
                    Throwable error = await(futures.get(i));
                    if (error != null) {
                        failedAt = i;
                        failure = error;
                        break;
                    }
                    Instant now = Instant.now();
                    metrics.relayed(Duration.between(event.createdAt(), now));
                    relayedUpTo.accept(event.createdAt());
                }
                committer.markProcessed(records.get(i));
            }
            if (failedAt == size) {
                break;
            }
            // Let the rest of this attempt settle so the next one does not race it, then retry.
            for (int i = failedAt + 1; i < size; i++) {
                await(futures.get(i));
            }
            OutboxEvent failed = events.get(failedAt);
            log.warn(
                    "Relaying outbox event {} to {} failed (attempt {}, {} of the batch left), retrying in {} ms: {}",
                    failed == null ? "?" : failed.id(),
                    failed == null ? "?" : failed.record().topic(),
                    attempt,
                    size - failedAt,
                    backoff.toMillis(),
                    failure == null ? "" : failure.toString());
            producer.reset();
            pause(backoff);
            backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            next = failedAt;
        }
        committer.markBatchFinished();
    }

    private List<@Nullable Future<RecordMetadata>> sendFrom(List<@Nullable OutboxEvent> events, int from) {
        List<@Nullable Future<RecordMetadata>> futures = new ArrayList<>(Collections.nCopies(events.size(), null));
        for (int i = from; i < events.size(); i++) {
            OutboxEvent event = events.get(i);
            if (event == null) {
                continue;
            }
            try {
                futures.set(i, producer.send(event.record()));
            } catch (RuntimeException e) {
                // Synchronous failure (metadata timeout, closed producer): stop here, retry from it.
                futures.set(i, CompletableFuture.failedFuture(e));
                break;
            }
        }
        return futures;
    }

    /** Waits for one acknowledgement; returns the failure, or null on success. */
    private @Nullable Throwable await(@Nullable Future<RecordMetadata> future) throws InterruptedException {
        if (future == null) {
            return new IllegalStateException("not sent");
        }
        while (true) {
            if (halted.getAsBoolean()) {
                throw new InterruptedException("relay stopping; unacknowledged outbox events stay unprocessed");
            }
            try {
                future.get(WAIT_SLICE_MILLIS, TimeUnit.MILLISECONDS);
                return null;
            } catch (TimeoutException e) {
                // keep waiting: the producer's delivery timeout bounds every send
            } catch (ExecutionException e) {
                return e.getCause() == null ? e : e.getCause();
            }
        }
    }

    private void pause(Duration backoff) throws InterruptedException {
        long deadline = System.nanoTime() + backoff.toNanos();
        while (System.nanoTime() < deadline) {
            if (halted.getAsBoolean()) {
                throw new InterruptedException("relay stopping; unacknowledged outbox events stay unprocessed");
            }
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            synchronized (this) {
                wait(Math.max(1, Math.min(WAIT_SLICE_MILLIS, remaining)));
            }
        }
    }

    /** Wakes a handler that is backing off, e.g. when the relay stops. */
    void wake() {
        synchronized (this) {
            notifyAll();
        }
    }
}
