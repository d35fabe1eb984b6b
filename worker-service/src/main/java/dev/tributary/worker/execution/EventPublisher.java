package dev.tributary.worker.execution;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces the worker's records: task events to the history topic (key = workflow id, CloudEvents
 * headers, the dispatch's trace context) and rejected records to the dead-letter topic. A send that
 * fails is sent again after a back-off until it succeeds or the publisher is closed (the producer
 * itself already retried for {@code delivery.timeout.ms}); only a record too large for the broker
 * fails at once. The returned future completes when Kafka acknowledged the record.
 */
final class EventPublisher {

    static final String SOURCE = "/tributary/worker-service";
    static final String SERVICE = "worker-service";

    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);

    private final Producer<byte[], byte[]> producer;
    private final EventCodec codec;
    private final String eventsTopic;
    private final String deadLetterTopic;
    private final ScheduledExecutorService scheduler;
    private final Duration retryBackoff;
    private final Clock clock;
    private volatile boolean closed;

    EventPublisher(
            Producer<byte[], byte[]> producer,
            EventCodec codec,
            String eventsTopic,
            String deadLetterTopic,
            ScheduledExecutorService scheduler,
            Duration retryBackoff,
            Clock clock) {
        this.producer = producer;
        this.codec = codec;
        this.eventsTopic = eventsTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.scheduler = scheduler;
        this.retryBackoff = retryBackoff;
        this.clock = clock;
    }

    /** Publishes a history event; {@code trace} are the dispatch's trace-context headers. */
    CompletableFuture<Void> publish(WorkflowEvent event, List<Header> trace) {
        byte[] key = event.workflowId().value().getBytes(StandardCharsets.UTF_8);
        byte[] value = codec.encode(event);
        String id = UUID.randomUUID().toString();
        String type = EventTypes.of(event.getClass());
        String time = clock.instant().toString();
        return send(() -> {
            RecordHeaders headers = new RecordHeaders();
            headers.add(Headers.CE_SPECVERSION, utf8(Headers.SPECVERSION));
            headers.add(Headers.CE_ID, utf8(id));
            headers.add(Headers.CE_TYPE, utf8(type));
            headers.add(Headers.CE_SOURCE, utf8(SOURCE));
            headers.add(Headers.CE_SUBJECT, utf8(event.workflowId().value()));
            headers.add(Headers.CE_TIME, utf8(time));
            headers.add(Headers.CONTENT_TYPE, utf8(Headers.APPLICATION_JSON));
            trace.forEach(headers::add);
            return new ProducerRecord<>(eventsTopic, null, key, value, headers);
        });
    }

    /**
     * Sends a record the worker cannot use to the dead-letter topic: the original key, value and
     * headers, plus the reason headers.
     */
    CompletableFuture<Void> deadLetter(
            ConsumerRecord<byte[], byte[]> original, String reason, @Nullable Throwable cause) {
        return send(() -> {
            RecordHeaders headers = new RecordHeaders();
            original.headers().forEach(headers::add);
            headers.add(Headers.DLT_REASON, utf8(Failure.truncate(reason)));
            if (cause != null) {
                headers.add(Headers.DLT_EXCEPTION, utf8(cause.getClass().getName()));
            }
            headers.add(Headers.DLT_ORIGINAL_TOPIC, utf8(original.topic()));
            headers.add(Headers.DLT_ORIGINAL_PARTITION, utf8(Integer.toString(original.partition())));
            headers.add(Headers.DLT_ORIGINAL_OFFSET, utf8(Long.toString(original.offset())));
            headers.add(Headers.DLT_SOURCE, utf8(SERVICE));
            return new ProducerRecord<>(deadLetterTopic, null, original.key(), original.value(), headers);
        });
    }

    /** Stops re-sending, waits up to {@code timeout} for records in flight, closes the producer. */
    void close(Duration timeout) {
        closed = true;
        producer.close(timeout);
    }

    private CompletableFuture<Void> send(Supplier<ProducerRecord<byte[], byte[]>> record) {
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        attempt(record, acknowledged);
        return acknowledged;
    }

    private void attempt(Supplier<ProducerRecord<byte[], byte[]>> record, CompletableFuture<Void> acknowledged) {
        if (closed) {
            acknowledged.completeExceptionally(new IllegalStateException("the worker's producer is closed"));
            return;
        }
        ProducerRecord<byte[], byte[]> producerRecord = record.get();
        try {
            producer.send(producerRecord, (metadata, e) -> {
                if (e == null) {
                    acknowledged.complete(null);
                } else {
                    failed(producerRecord.topic(), record, acknowledged, e);
                }
            });
        } catch (RuntimeException e) {
            failed(producerRecord.topic(), record, acknowledged, e);
        }
    }

    private void failed(
            String topic,
            Supplier<ProducerRecord<byte[], byte[]>> record,
            CompletableFuture<Void> acknowledged,
            Exception e) {
        if (e instanceof RecordTooLargeException || closed) {
            acknowledged.completeExceptionally(e);
            return;
        }
        log.warn("Sending a record to {} failed, sending it again in {}: {}", topic, retryBackoff, e.toString());
        try {
            scheduler.schedule(() -> attempt(record, acknowledged), retryBackoff.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException rejected) {
            acknowledged.completeExceptionally(e);
        }
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
