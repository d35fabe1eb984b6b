package dev.tributary.testsupport;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * Reads existing topics from the beginning (all partitions, no consumer group) and collects every
 * record, so a test can wait with Awaitility until what it expects has arrived. Not thread-safe:
 * poll and wait from the test thread only.
 *
 * <pre>{@code
 * try (var consumer = KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic)) {
 *     var records = consumer.awaitCount(3, Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class KafkaTestConsumer implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<ConsumerRecord<byte[], byte[]>> received = new ArrayList<>();

    private KafkaTestConsumer(KafkaConsumer<byte[], byte[]> consumer) {
        this.consumer = consumer;
    }

    /**
     * Assigns every partition of the topics (which must exist) and seeks to their beginning. Reads
     * committed records only, so aborted transactional records never show up.
     */
    public static KafkaTestConsumer fromBeginning(String bootstrapServers, String... topics) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG,
                "test-consumer-" + UUID.randomUUID(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false",
                ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG,
                "1000"));
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        if (partitions.isEmpty()) {
            consumer.close();
            throw new IllegalStateException("no partitions for " + List.of(topics) + "; create the topics first");
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return new KafkaTestConsumer(consumer);
    }

    /**
     * Every record currently on a topic (which must exist), read from the beginning of every
     * partition to the end offsets seen when called; keys as UTF-8 text.
     */
    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrapServers, String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(60))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(60));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    /** Polls once (briefly) and returns everything received so far. */
    public List<ConsumerRecord<byte[], byte[]>> poll() {
        consumer.poll(POLL).forEach(received::add);
        return List.copyOf(received);
    }

    /** Everything received so far, without polling. */
    public List<ConsumerRecord<byte[], byte[]>> received() {
        return List.copyOf(received);
    }

    /** Polls until at least {@code count} records arrived; returns all received. */
    public List<ConsumerRecord<byte[], byte[]>> awaitCount(int count, Duration timeout) {
        return awaitUntil(records -> records.size() >= count, timeout);
    }

    /** Polls until the received records satisfy the condition; returns all received. */
    public List<ConsumerRecord<byte[], byte[]>> awaitUntil(
            Predicate<List<ConsumerRecord<byte[], byte[]>>> condition, Duration timeout) {
        await().atMost(timeout)
                .pollInSameThread()
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10))
                .until(this::poll, condition);
        return received();
    }

    /** Polls until every one of the values of {@code header} has been received at least once. */
    public List<ConsumerRecord<byte[], byte[]>> awaitHeaderValues(
            String header, Collection<String> values, Duration timeout) {
        return awaitUntil(records -> new HashSet<>(headerValues(records, header)).containsAll(values), timeout);
    }

    /** The last value of a header as UTF-8 text, or null. */
    public static @Nullable String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The values of a header over records, in order (records without it are skipped). */
    public static List<String> headerValues(Collection<ConsumerRecord<byte[], byte[]>> records, String name) {
        List<String> values = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String value = header(record, name);
            if (value != null) {
                values.add(value);
            }
        }
        return values;
    }

    /** UTF-8 text of a key or value, or null. */
    public static @Nullable String text(byte @Nullable [] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
