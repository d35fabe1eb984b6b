package dev.tributary.outbox.relay;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's own idempotent producer ({@code acks=all}). After a failed send it is replaced by a
 * fresh one, so a producer stuck in a fatal state (or with expired batches) never blocks the relay.
 * Used by the engine's record-processing thread only; {@link #close(Duration)} comes after the
 * engine stopped.
 */
public final class RelayProducer implements RelayHandler.EventSender, AutoCloseable {

    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final Logger LOG = LoggerFactory.getLogger(RelayProducer.class);

    private final Map<String, Object> config;
    private final boolean createTopics;
    private final Set<String> knownTopics = ConcurrentHashMap.newKeySet();
    private volatile @Nullable Producer<byte[], byte[]> producer;
    private volatile @Nullable Admin admin;

    public RelayProducer(OutboxRelayProperties properties, String bootstrapServers) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        settings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        settings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        settings.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        settings.put(
                ProducerConfig.LINGER_MS_CONFIG,
                String.valueOf(properties.producerLinger().toMillis()));
        // Bounded waits so that a Kafka outage surfaces as failed sends the relay retries itself.
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        settings.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-outbox-" + properties.name());
        settings.putAll(properties.producer());
        this.config = Map.copyOf(settings);
        this.createTopics = properties.createTopics();
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        if (createTopics && !knownTopics.contains(record.topic())) {
            ensureTopic(record.topic());
        }
        Producer<byte[], byte[]> current = producer;
        if (current == null) {
            Map<String, Object> settings = new HashMap<>(config);
            settings.put(
                    ProducerConfig.CLIENT_ID_CONFIG,
                    config.get(ProducerConfig.CLIENT_ID_CONFIG) + "-" + INSTANCES.incrementAndGet());
            current = new KafkaProducer<>(settings);
            producer = current;
        }
        return current.send(record);
    }

    /**
     * Creates the topic unless it exists. A failure (Kafka unreachable) propagates like a failed
     * send, so the relay's retry loop covers it.
     */
    private void ensureTopic(String topic) {
        Admin current = admin;
        if (current == null) {
            Map<String, Object> settings = new HashMap<>();
            settings.put(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
            settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
            settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
            settings.put(AdminClientConfig.CLIENT_ID_CONFIG, config.get(ProducerConfig.CLIENT_ID_CONFIG) + "-admin");
            current = Admin.create(settings);
            admin = current;
        }
        try {
            current.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty())))
                    .all()
                    .get(10, TimeUnit.SECONDS);
            LOG.info("Created topic {} for outbox events", topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InvalidTopicException invalid) {
                throw invalid; // permanent: the relay dead-letters the event
            }
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new KafkaException("cannot create topic " + topic, e.getCause());
            }
        } catch (TimeoutException e) {
            throw new KafkaException("topic " + topic + " not created within 10 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while creating topic " + topic, e);
        }
        knownTopics.add(topic);
    }

    /** Drops the current producer without waiting; the next send creates a new one. */
    @Override
    public void reset() {
        Producer<byte[], byte[]> current = producer;
        producer = null;
        if (current != null) {
            current.close(Duration.ZERO);
        }
    }

    /** Sends what is buffered (bounded by the timeout) and closes. */
    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    void close(Duration timeout) {
        Producer<byte[], byte[]> current = producer;
        producer = null;
        if (current != null) {
            current.close(timeout);
        }
        Admin currentAdmin = admin;
        admin = null;
        if (currentAdmin != null) {
            currentAdmin.close(Duration.ZERO);
        }
    }
}
