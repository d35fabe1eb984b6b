package dev.tributary.submission.projection;

import dev.tributary.events.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

/**
 * Sends rejected history records to the dead-letter topic: the original key, value and headers,
 * plus the reason headers ({@code tributary_dlt_*}). Sends synchronously, before the batch's
 * transaction commits, so a record is never skipped without its dead letter; if the transaction
 * then rolls back the batch is retried and the dead letter may be sent twice.
 */
class DeadLetters implements DisposableBean {

    static final String SOURCE = "submission-service";

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaProperties kafka;
    private final String topic;
    private @Nullable KafkaProducer<String, byte[]> producer;

    DeadLetters(KafkaProperties kafka, String topic) {
        this.kafka = kafka;
        this.topic = topic;
    }

    /** The producer, created on the first dead letter (most runs never need one). */
    private synchronized KafkaProducer<String, byte[]> producer() {
        KafkaProducer<String, byte[]> current = producer;
        if (current == null) {
            Map<String, Object> config = kafka.buildProducerProperties();
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-submission-dead-letters");
            current = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
            producer = current;
        }
        return current;
    }

    void send(ConsumerRecord<String, byte[]> record, String reason, @Nullable Throwable error) {
        ProducerRecord<String, byte[]> letter = new ProducerRecord<>(topic, null, record.key(), record.value());
        for (Header header : record.headers()) {
            letter.headers().add(header);
        }
        letter.headers()
                .add(Headers.DLT_REASON, utf8(reason))
                .add(Headers.DLT_ORIGINAL_TOPIC, utf8(record.topic()))
                .add(Headers.DLT_ORIGINAL_PARTITION, utf8(Integer.toString(record.partition())))
                .add(Headers.DLT_ORIGINAL_OFFSET, utf8(Long.toString(record.offset())))
                .add(Headers.DLT_SOURCE, utf8(SOURCE));
        if (error != null) {
            letter.headers().add(Headers.DLT_EXCEPTION, utf8(error.getClass().getName()));
        }
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

    @Override
    public synchronized void destroy() {
        if (producer != null) {
            producer.close(CLOSE_TIMEOUT);
            producer = null;
        }
    }
}
