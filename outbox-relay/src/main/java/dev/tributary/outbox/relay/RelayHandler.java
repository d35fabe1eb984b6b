package dev.tributary.outbox.relay;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.connect.source.SourceRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's batch handler: produces each outbox event of a batch, waits for the broker's
 * acknowledgements, and marks records processed strictly in order and only once acknowledged, so
 * the stored offset never passes an event Kafka has not got. A batch goes out in {@link
 * SendRounds}, so that one key's events reach the log in outbox order across topics too. Records
 * that are not outbox rows (heartbeats, logical decoding messages) are marked without producing.
 *
 * <p>When sends fail (Kafka down, a missing topic, timeouts) it re-sends what is unacknowledged, in
 * order from the first unacknowledged event, with a bounded exponential backoff, until it succeeds
 * or the relay stops; it never drops an event and never lets the engine die. An event already
 * acknowledged is sent again only when an earlier event with the same topic and key is re-sent
 * (to keep that key's order); like a lost acknowledgement, this yields a duplicate with the same
 * {@code ce_id}, which consumers deduplicate. An event Kafka can never accept (invalid topic name,
 * record too large) goes to the dead-letter topic with the reason in headers instead of blocking
 * the outbox forever.
 */
final class RelayHandler implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);
    private static final long WAIT_SLICE_MILLIS = 100;

    private final EventSender sender;
    private final String source;
    private final RelayMetrics metrics;
    private final Consumer<Instant> relayedUpTo;
    private final BooleanSupplier halted;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final String deadLetterTopic;

    /** Where events go: the relay's producer in production, a scripted one in unit tests. */
    interface EventSender {
        Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record);

        /** Called after a failed attempt: start the next one with a fresh client. */
        void reset();
    }

    RelayHandler(
            EventSender sender,
            OutboxRelayProperties properties,
            RelayMetrics metrics,
            Consumer<Instant> relayedUpTo,
            BooleanSupplier halted) {
        this.sender = sender;
        this.source = properties.source();
        this.metrics = metrics;
        this.relayedUpTo = relayedUpTo;
        this.halted = halted;
        this.initialBackoff = properties.sendRetryBackoff();
        this.maxBackoff = properties.sendRetryMaxBackoff();
        this.deadLetterTopic = properties.deadLetterTopic();
    }

    @Override
    public void handleBatch(
            List<RecordChangeEvent<SourceRecord>> records,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        int size = records.size();
        List<@Nullable OutboxEvent> events = new ArrayList<>(size);
        boolean[] acked = new boolean[size];
        for (int i = 0; i < size; i++) {
            OutboxEvent event = OutboxEvent.from(records.get(i).record(), source);
            events.add(event);
            acked[i] = event == null;
        }
        int next = 0;
        Duration backoff = initialBackoff;
        for (int attempt = 1; ; attempt++) {
            Throwable failure = null;
            int firstFailed = -1;
            for (List<Integer> round : rounds(events, acked, next)) {
                Map<Integer, Future<RecordMetadata>> futures = send(events, round);
                for (int i : round) {
                    Future<RecordMetadata> future = futures.get(i);
                    if (future == null) {
                        continue;
                    }
                    Throwable error = await(future);
                    if (error != null && !acked[i] && isPermanent(error)) {
                        error = deadLetter(Objects.requireNonNull(events.get(i)), error);
                    }
                    if (error == null && !acked[i]) {
                        acked[i] = true;
                        OutboxEvent event = Objects.requireNonNull(events.get(i));
                        metrics.relayed(Duration.between(event.createdAt(), Instant.now()));
                    } else if (error != null && !acked[i] && firstFailed < 0) {
                        firstFailed = i;
                        failure = error;
                    }
                }
                if (failure != null) {
                    break;
                }
            }
            while (next < size && acked[next]) {
                OutboxEvent event = events.get(next);
                if (event != null) {
                    relayedUpTo.accept(event.createdAt());
                }
                committer.markProcessed(records.get(next));
                next++;
            }
            if (next == size) {
                break;
            }
            OutboxEvent failed = events.get(firstFailed < 0 ? next : firstFailed);
            log.warn(
                    "Relaying outbox event {} to {} failed (attempt {}, {} of the batch unacknowledged),"
                            + " retrying in {} ms: {}",
                    failed == null ? "?" : failed.id(),
                    failed == null ? "?" : failed.record().topic(),
                    attempt,
                    unacknowledged(acked),
                    backoff.toMillis(),
                    String.valueOf(failure));
            metrics.retried();
            sender.reset();
            pause(backoff);
            backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
        }
        committer.markBatchFinished();
    }

    /** The {@link SendRounds} of the unacknowledged rest of the batch. */
    private static List<List<Integer>> rounds(List<@Nullable OutboxEvent> events, boolean[] acked, int from) {
        List<@Nullable ProducerRecord<byte[], byte[]>> records = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            OutboxEvent event = events.get(i);
            records.add(i < from || event == null ? null : event.record());
        }
        return SendRounds.of(records, i -> acked[i]);
    }

    /**
     * Sends the events of one round, in order. A synchronous failure (metadata timeout, closed
     * producer) stops the round there; the attempt is retried from it.
     */
    private Map<Integer, Future<RecordMetadata>> send(List<@Nullable OutboxEvent> events, List<Integer> round) {
        Map<Integer, Future<RecordMetadata>> futures = new HashMap<>();
        for (int i : round) {
            try {
                futures.put(i, sender.send(Objects.requireNonNull(events.get(i)).record()));
            } catch (RuntimeException e) {
                futures.put(i, CompletableFuture.failedFuture(e));
                break;
            }
        }
        return futures;
    }

    /** Failures no retry can fix: the event goes to the dead-letter topic instead. */
    private static boolean isPermanent(Throwable error) {
        return error instanceof InvalidTopicException || error instanceof RecordTooLargeException;
    }

    /**
     * Produces a rejected event to the dead-letter topic (same key and headers, plus the reason;
     * the value only if it was not the problem). Returns null once acknowledged, else the failure.
     */
    private @Nullable Throwable deadLetter(OutboxEvent event, Throwable reason) throws InterruptedException {
        ProducerRecord<byte[], byte[]> original = event.record();
        log.warn(
                "Outbox event {} for topic '{}' can never be produced ({}); sending it to {}",
                event.id(),
                original.topic(),
                reason.toString(),
                deadLetterTopic);
        Future<RecordMetadata> sent;
        try {
            sent = sender.send(OutboxRecords.deadLetter(original, reason, source, deadLetterTopic));
        } catch (RuntimeException e) {
            return e;
        }
        Throwable error = await(sent);
        if (error == null) {
            metrics.deadLettered();
        }
        return error;
    }

    /** Waits for one acknowledgement; returns the failure, or null on success. */
    private @Nullable Throwable await(Future<RecordMetadata> future) throws InterruptedException {
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

    /** Waits out the backoff, in slices, so that stopping the relay is not delayed by it. */
    private void pause(Duration backoff) throws InterruptedException {
        long deadline = System.nanoTime() + backoff.toNanos();
        synchronized (this) {
            while (System.nanoTime() < deadline) {
                if (halted.getAsBoolean()) {
                    throw new InterruptedException("relay stopping; unacknowledged outbox events stay unprocessed");
                }
                long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                wait(Math.max(1, Math.min(WAIT_SLICE_MILLIS, remaining)));
            }
        }
    }

    private static int unacknowledged(boolean[] acked) {
        int count = 0;
        for (boolean done : acked) {
            count += done ? 0 : 1;
        }
        return count;
    }
}
