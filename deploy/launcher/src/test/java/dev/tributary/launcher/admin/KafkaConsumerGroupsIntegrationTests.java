package dev.tributary.launcher.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.testsupport.TestInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * {@code tributary kafka-consumer-groups} is Kafka's own tool: it resets a real group (no members,
 * as a stopped worker's) on the test broker to a timestamp.
 */
class KafkaConsumerGroupsIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final DateTimeFormatter KAFKA_DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    @Test
    void resetsAStoppedGroupsOffsetsToTheFirstRecordAtOrAfterADatetime() throws Exception {
        String bootstrap = TestInfra.kafka().bootstrapServers();
        String topic = TestInfra.uniqueName("cg_reset");
        String group = TestInfra.uniqueName("tributary-worker-cg");
        await().atMost(WAIT)
                .ignoreExceptions()
                .untilAsserted(() -> TestInfra.kafka().createTopic(topic, 1));
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            for (int i = 0; i < 4; i++) {
                long timestamp = start.plus(Duration.ofMinutes(i)).toEpochMilli();
                producer.send(new ProducerRecord<>(
                                topic, 0, timestamp, null, ("r" + i).getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
        }
        TopicPartition partition = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            // The group consumed everything, then stopped.
            admin.alterConsumerGroupOffsets(group, Map.of(partition, new OffsetAndMetadata(4)))
                    .all()
                    .get();

            KafkaConsumerGroups.run(new String[] {
                "--bootstrap-server",
                bootstrap,
                "--group",
                group,
                "--topic",
                topic,
                "--reset-offsets",
                "--to-datetime",
                KAFKA_DATETIME.format(start.plusSeconds(90).atOffset(ZoneOffset.UTC)),
                "--execute"
            });

            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
            // Records at +0, +1, +2, +3 minutes: the first at or after +90 s is offset 2.
            assertThat(offsets.get(partition).offset()).isEqualTo(2);
        }
    }
}
