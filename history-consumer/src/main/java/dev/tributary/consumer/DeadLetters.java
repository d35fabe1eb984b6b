package dev.tributary.consumer;

import dev.tributary.events.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends rejected history records to the dead-letter topic: the original key, value and headers,
 * plus the reason headers ({@code tributary_dlt_*}). Sends synchronously, before the batch's
 * transaction commits, so a record is never skipped without its dead letter; if the transaction
 * then rolls back the batch is retried and the dead letter may be sent twice.
 */
public class DeadLetters implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_REASON = 500;

    private final Map<String, Object> producerConfig;
    private final String topic;
    private final String source;
    private @Nullable KafkaProducer<String, byte[]> producer;

    /**
     * @param producerConfig the producer's settings (bootstrap servers, client id, ...); acks=all and
     *     idempotence are added
     * @param topic the dead-letter topic
     * @param source what the {@link Headers#DLT_SOURCE} header names, e.g. {@code scheduler-service}
     */
    public DeadLetters(Map<String, Object> producerConfig, String topic, String source) {
        this.producerConfig = new HashMap<>(producerConfig);
        this.topic = topic;
        this.source = source;
    }

    /** The producer, created on the first dead letter (most runs never need one). */
    private synchronized KafkaProducer<String, byte[]> producer() {
        KafkaProducer<String, byte[]> current = producer;
        if (current == null) {
            Map<String, Object> config = new HashMap<>(producerConfig);
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            current = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
            producer = current;
        }
        return current;
    }

    /**
     * Logs and dead-letters a record, the reason cut to {@value #MAX_REASON} characters.
     *
     * @throws IllegalStateException when the dead letter cannot be sent
     */
    public void reject(ConsumerRecord<String, byte[]> record, String reason, @Nullable Throwable error) {
        String shortReason = reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) + "…" : reason;
        log.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), shortReason);
        send(record, shortReason, error);
    }

    /**
     * Sends the dead letter and waits for the broker's acknowledgement.
     *
     * @throws IllegalStateException when it cannot be sent
     */
    public void send(ConsumerRecord<String, byte[]> record, String reason, @Nullable Throwable error) {
        send(record, reason, error, Map.of());
    }

    /**
     * Sends the dead letter with extra headers (UTF-8 values, e.g. {@link Headers#DLT_REASON_CODE})
     * and waits for the broker's acknowledgement.
     *
     * @throws IllegalStateException when it cannot be sent
     */
    public void send(
            ConsumerRecord<String, byte[]> record,
            String reason,
            @Nullable Throwable error,
            Map<String, String> extraHeaders) {
        ProducerRecord<String, byte[]> letter = new ProducerRecord<>(topic, null, record.key(), record.value());
        for (Header header : record.headers()) {
            letter.headers().add(header);
        }
        letter.headers()
                .add(Headers.DLT_REASON, utf8(reason))
                .add(Headers.DLT_ORIGINAL_TOPIC, utf8(record.topic()))
                .add(Headers.DLT_ORIGINAL_PARTITION, utf8(Integer.toString(record.partition())))
                .add(Headers.DLT_ORIGINAL_OFFSET, utf8(Long.toString(record.offset())))
                .add(Headers.DLT_SOURCE, utf8(source));
        if (error != null) {
            letter.headers().add(Headers.DLT_EXCEPTION, utf8(error.getClass().getName()));
        }
        extraHeaders.forEach((name, value) -> letter.headers().add(name, utf8(value)));
        try {
            producer().send(letter).get(SEND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering " + position(record), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot dead-letter " + position(record), e);
        }
    }

    private static String position(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** Closes the producer, if one was created. */
    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(CLOSE_TIMEOUT);
            producer = null;
        }
    }
}
