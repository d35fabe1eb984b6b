package dev.tributary.submission;

import static org.awaitility.Awaitility.await;

import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.codec.EventEnvelope;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A history topic of its own for a test class, written the way the relays and the workers write
 * it (CloudEvents binary-mode headers, key = workflow id), and read back whole.
 */
public final class HistoryLog implements AutoCloseable {

    public static final Duration WAIT = Duration.ofSeconds(120);
    static final String SOURCE = "/tributary/test";

    private final String events;
    private final String deadLetters;
    private final String group;
    private final KafkaProducer<String, byte[]> producer;

    /** Creates the topics ({@code partitions} for the history) with names unique to this JVM run. */
    public HistoryLog(String prefix, int partitions) {
        this.events = TestInfra.uniqueName(prefix + "_events");
        this.deadLetters = TestInfra.uniqueName(prefix + "_dead_letters");
        this.group = TestInfra.uniqueName(prefix + "_projection");
        TestInfra.kafka().createTopic(events, partitions);
        TestInfra.kafka().createTopic(deadLetters, 1);
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

    /** A fresh database, the broker, these topics and a unique consumer group, projection on. */
    public void register(DynamicPropertyRegistry registry, String databasePrefix) {
        SubmissionDatabase.registerDatabase(registry, databasePrefix);
        registry.add("spring.kafka.bootstrap-servers", () -> TestInfra.kafka().bootstrapServers());
        registry.add("tributary.submission.events-topic", () -> events);
        registry.add("tributary.submission.dead-letter-topic", () -> deadLetters);
        registry.add("tributary.submission.projection.consumer-group", () -> group);
        registry.add("tributary.submission.projection.poll-timeout", () -> "200ms");
        registry.add("tributary.submission.projection.error-backoff", () -> "200ms");
    }

    public String events() {
        return events;
    }

    public String deadLetters() {
        return deadLetters;
    }

    public String group() {
        return group;
    }

    /** A produced record: its envelope (ce_id, type, ...) and where it landed. */
    public record Sent(EventEnvelope<WorkflowEvent> envelope, RecordMetadata metadata) {}

    /** Produces an event with a fresh {@code ce_id}; waits for the broker's ack. */
    public Sent send(WorkflowEvent event) {
        // At the database's precision, so that times read back compare equal.
        return send(EventEnvelope.wrap(event, SOURCE, Instant.now().truncatedTo(ChronoUnit.MICROS), null));
    }

    /** Produces an event under a given envelope (e.g. again, to simulate a redelivery). */
    public Sent send(EventEnvelope<WorkflowEvent> envelope) {
        byte[] value = EventCodec.json().encode(envelope.payload());
        return new Sent(envelope, sendRaw(envelope.subject(), value, envelope.headers()));
    }

    /** Produces any record. */
    public RecordMetadata sendRaw(@Nullable String key, byte @Nullable [] value, Map<String, String> headers) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(events, key, value);
        headers.forEach((name, header) -> record.headers().add(name, header.getBytes(StandardCharsets.UTF_8)));
        try {
            return producer.send(record).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce to " + events, e);
        }
    }

    /** Waits until the projection has stored offsets at the end of every partition of the topic. */
    public void awaitCaughtUp(JdbcTemplate jdbc) {
        Map<TopicPartition, Long> end = endOffsets();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            Map<Integer, Long> stored = new HashMap<>();
            jdbc.query(
                    "SELECT partition, next_offset FROM submission.consumer_offset WHERE group_id = ? AND topic = ?",
                    rs -> {
                        stored.put(rs.getInt(1), rs.getLong(2));
                    },
                    group,
                    events);
            return end.entrySet().stream()
                    .allMatch(e -> stored.getOrDefault(e.getKey().partition(), 0L) >= e.getValue());
        });
    }

    private Map<TopicPartition, Long> endOffsets() {
        try (Admin admin = TestInfra.kafka().admin()) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            admin.describeTopics(List.of(events))
                    .allTopicNames()
                    .get(60, TimeUnit.SECONDS)
                    .get(events)
                    .partitions()
                    .forEach(p -> request.put(new TopicPartition(events, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(request)
                    .all()
                    .get(60, TimeUnit.SECONDS)
                    .forEach((partition, info) -> end.put(partition, info.offset()));
            return end;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the end offsets of " + events, e);
        }
    }

    /** Every record on the dead-letter topic whose key is {@code key}. */
    public List<ConsumerRecord<String, byte[]>> deadLettersFor(String key) {
        return readAll(deadLetters).stream().filter(r -> key.equals(r.key())).toList();
    }

    /** Every record currently on a topic. */
    public static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        return KafkaTestConsumer.readAll(TestInfra.kafka().bootstrapServers(), topic);
    }

    /** The last value of a header as UTF-8 text, or null. */
    public static @Nullable String header(ConsumerRecord<?, ?> record, String name) {
        return KafkaTestConsumer.header(record, name);
    }

    /** CloudEvents headers for a hand-made record. */
    public static Map<String, String> headers(String ceId, String ceType, String subject) {
        Map<String, String> headers = new HashMap<>();
        headers.put(Headers.CE_SPECVERSION, Headers.SPECVERSION);
        headers.put(Headers.CE_ID, ceId);
        headers.put(Headers.CE_TYPE, ceType);
        headers.put(Headers.CE_SOURCE, SOURCE);
        headers.put(Headers.CE_SUBJECT, subject);
        headers.put(Headers.CE_TIME, Instant.now().toString());
        return headers;
    }

    @Override
    public void close() {
        producer.close();
    }
}
