package dev.tributary.scheduler.history;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

/** Producing history records the way the relay and the workers do, and reading a topic whole. */
final class SchedulerTestKafka implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;

    SchedulerTestKafka() {
        this.producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        TestInfra.kafka().bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        0),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    /** Produces an event with CloudEvents headers, key = workflow id; waits for the ack. */
    RecordMetadata produce(String topic, WorkflowEvent event) {
        return produce(
                topic, event.workflowId().value(), EventCodec.json().encode(event), EventTypes.of(event.getClass()));
    }

    /** Produces any record; a null type leaves out {@code ce_type}. */
    RecordMetadata produce(String topic, @Nullable String key, byte @Nullable [] value, @Nullable String ceType) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        record.headers().add(Headers.CE_ID, utf8(UUID.randomUUID().toString()));
        record.headers().add(Headers.CE_SPECVERSION, utf8(Headers.SPECVERSION));
        if (ceType != null) {
            record.headers().add(Headers.CE_TYPE, utf8(ceType));
        }
        try {
            return producer.send(record).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce to " + topic, e);
        }
    }

    /** Every record currently on a topic. */
    static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        return KafkaTestConsumer.readAll(TestInfra.kafka().bootstrapServers(), topic);
    }

    /** The last value of a header as UTF-8 text, or null. */
    static @Nullable String header(ConsumerRecord<?, ?> record, String name) {
        return KafkaTestConsumer.header(record, name);
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}
