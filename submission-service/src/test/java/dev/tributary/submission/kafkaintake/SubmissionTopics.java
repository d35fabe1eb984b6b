package dev.tributary.submission.kafkaintake;

import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Topics of a test's own (submissions, history, dead letters) on the shared broker, and a plain
 * {@link KafkaProducer} that writes submissions the way an external producer would.
 */
final class SubmissionTopics implements AutoCloseable {

    private final String submissions;
    private final String events;
    private final String deadLetters;
    private final String group;
    private final KafkaProducer<String, byte[]> producer;

    SubmissionTopics(String prefix, int partitions) {
        this.submissions = TestInfra.uniqueName(prefix + "_submissions");
        this.events = TestInfra.uniqueName(prefix + "_events");
        this.deadLetters = TestInfra.uniqueName(prefix + "_dead_letters");
        this.group = TestInfra.uniqueName(prefix + "_intake");
        TestInfra.kafka().createTopic(submissions, partitions);
        TestInfra.kafka().createTopic(events, partitions);
        TestInfra.kafka().createTopic(deadLetters, 1);
        this.producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        TestInfra.kafka().bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        4 * 1024 * 1024),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    /** Settings that point the service's Kafka intake at these topics. */
    Map<String, String> properties() {
        Map<String, String> properties = new HashMap<>();
        properties.put("spring.kafka.bootstrap-servers", TestInfra.kafka().bootstrapServers());
        properties.put("tributary.submission.kafka-intake.enabled", "true");
        properties.put("tributary.submission.kafka-intake.topic", submissions);
        properties.put("tributary.submission.kafka-intake.consumer-group", group);
        properties.put("tributary.submission.kafka-intake.poll-timeout", "100ms");
        properties.put("tributary.submission.events-topic", events);
        properties.put("tributary.submission.dead-letter-topic", deadLetters);
        properties.put("tributary.submission.projection.enabled", "false");
        return properties;
    }

    String submissions() {
        return submissions;
    }

    String events() {
        return events;
    }

    String group() {
        return group;
    }

    RecordMetadata send(@Nullable String key, String json) {
        return send(null, key, json.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** Produces a record and waits for the broker's ack. */
    RecordMetadata send(
            @Nullable Integer partition, @Nullable String key, byte @Nullable [] value, Map<String, String> headers) {
        try {
            return sendAsync(partition, key, value, headers).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce to " + submissions, e);
        }
    }

    Future<RecordMetadata> sendAsync(
            @Nullable Integer partition, @Nullable String key, byte @Nullable [] value, Map<String, String> headers) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(submissions, partition, key, value);
        headers.forEach((name, header) -> record.headers().add(name, header.getBytes(StandardCharsets.UTF_8)));
        return producer.send(record);
    }

    void flush() {
        producer.flush();
    }

    /** Every dead letter whose key is {@code key}. */
    List<ConsumerRecord<String, byte[]>> deadLettersFor(String key) {
        return deadLetters().stream().filter(r -> key.equals(r.key())).toList();
    }

    List<ConsumerRecord<String, byte[]>> deadLetters() {
        return KafkaTestConsumer.readAll(TestInfra.kafka().bootstrapServers(), deadLetters);
    }

    List<ConsumerRecord<String, byte[]>> historyRecords() {
        return new ArrayList<>(KafkaTestConsumer.readAll(TestInfra.kafka().bootstrapServers(), events));
    }

    /** The next offset the intake will read per partition, as stored with its writes. */
    Map<Integer, Long> storedOffsets(JdbcTemplate jdbc) {
        Map<Integer, Long> stored = new HashMap<>();
        jdbc.query(
                "SELECT partition, next_offset FROM submission.consumer_offset WHERE group_id = ? AND topic = ?",
                rs -> {
                    stored.put(rs.getInt(1), rs.getLong(2));
                },
                group,
                submissions);
        return stored;
    }

    /** Whether the intake has consumed (and committed) the record at this position. */
    boolean consumed(JdbcTemplate jdbc, RecordMetadata metadata) {
        return storedOffsets(jdbc).getOrDefault(metadata.partition(), 0L) > metadata.offset();
    }

    @Override
    public void close() {
        producer.close();
    }
}
