package dev.tributary.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(120);

    private static int fixedPort;
    private static EmbeddedKafkaBroker broker;

    @TempDir
    Path temporary;

    @BeforeAll
    static void startBrokerOnAFixedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            fixedPort = socket.getLocalPort();
        }
        broker = EmbeddedKafkaBroker.builder().port(fixedPort).build().start();
    }

    @AfterAll
    static void closeBroker() {
        broker.close();
    }

    @Test
    void listensOnTheFixedPortGivenToTheBuilder() throws Exception {
        assertThat(broker.port()).isEqualTo(fixedPort);
        assertThat(broker.bootstrapServers()).isEqualTo("localhost:" + fixedPort);
        try (Admin admin = broker.admin()) {
            List<Node> nodes = new ArrayList<>(admin.describeCluster().nodes().get(60, TimeUnit.SECONDS));
            assertThat(nodes).singleElement().satisfies(node -> {
                assertThat(node.host()).isEqualTo("localhost");
                assertThat(node.port()).isEqualTo(fixedPort);
            });
        }
    }

    @Test
    void consumesWhatAnIdempotentProducerWroteWithAcksAll() {
        String topic = uniqueTopic("idempotent");
        broker.createTopic(topic, 3, Map.of());

        produce(broker, topic, List.of("a", "b", "c"), null);

        assertThat(consumeValues(broker, topic, 3, "read_uncommitted")).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void consumesWhatATransactionalProducerCommitted() {
        String topic = uniqueTopic("transactional");
        broker.createTopic(topic, 1, Map.of());

        produce(broker, topic, List.of("one", "two"), "tx-" + topic);

        assertThat(consumeValues(broker, topic, 2, "read_committed")).containsExactly("one", "two");
    }

    @Test
    void createTopicKeepsAnExistingTopicAsItIs() throws Exception {
        String topic = uniqueTopic("existing");
        broker.createTopic(topic, 2, Map.of("retention.ms", "3600000"));

        broker.createTopic(topic, 4, Map.of());

        try (Admin admin = broker.admin()) {
            TopicDescription description = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(60, TimeUnit.SECONDS)
                    .get(topic);
            assertThat(description.partitions()).hasSize(2);
        }
    }

    @Test
    void keepsItsFreePortAndRecordsAcrossStopAndStart() {
        try (EmbeddedKafkaBroker restartable =
                EmbeddedKafkaBroker.builder().build().start()) {
            String bootstrapServers = restartable.bootstrapServers();
            String topic = uniqueTopic("restart");
            restartable.createTopic(topic, 2, Map.of());
            produce(restartable, topic, List.of("before-1", "before-2"), null);

            restartable.stop();
            assertThat(restartable.isRunning()).isFalse();
            restartable.start();

            assertThat(restartable.isRunning()).isTrue();
            assertThat(restartable.bootstrapServers()).isEqualTo(bootstrapServers);
            assertThat(consumeValues(restartable, topic, 2, "read_uncommitted"))
                    .containsExactlyInAnyOrder("before-1", "before-2");
        }
    }

    @Test
    void startsAgainOnTheDataDirectoryOfAClosedBroker() {
        Path data = temporary.resolve("kafka");
        String topic = uniqueTopic("kept");
        try (EmbeddedKafkaBroker first =
                EmbeddedKafkaBroker.builder().dataDirectory(data).build().start()) {
            first.createTopic(topic, 1, Map.of());
            produce(first, topic, List.of("kept"), null);
        }
        assertThat(data.resolve("meta.properties")).exists();

        try (EmbeddedKafkaBroker second =
                EmbeddedKafkaBroker.builder().dataDirectory(data).build().start()) {
            assertThat(consumeValues(second, topic, 1, "read_uncommitted")).containsExactly("kept");
        }
        assertThat(data).exists();
    }

    @Test
    void closeDeletesATemporaryDataDirectoryAndIsSafeToRepeat() {
        EmbeddedKafkaBroker neverStarted = EmbeddedKafkaBroker.builder().build();
        neverStarted.close();
        neverStarted.close();

        EmbeddedKafkaBroker unused = EmbeddedKafkaBroker.builder().build();
        Path data = unused.dataDirectory();
        assertThat(data).isDirectory();
        unused.close();
        assertThat(Files.exists(data)).isFalse();
        assertThatCode(unused::close).doesNotThrowAnyException();
    }

    private static String uniqueTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    private static void produce(
            EmbeddedKafkaBroker target, String topic, List<String> values, @Nullable String transactionalId) {
        Map<String, Object> config = new java.util.HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                target.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class));
        if (transactionalId != null) {
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            if (transactionalId != null) {
                producer.initTransactions();
                producer.beginTransaction();
            }
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, value, value));
            }
            if (transactionalId != null) {
                producer.commitTransaction();
            }
            producer.flush();
        }
    }

    private static List<String> consumeValues(
            EmbeddedKafkaBroker source, String topic, int expected, String isolationLevel) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                source.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "group-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                isolationLevel,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            await().atMost(WAIT).untilAsserted(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                assertThat(values).hasSize(expected);
            });
        }
        return values;
    }
}
