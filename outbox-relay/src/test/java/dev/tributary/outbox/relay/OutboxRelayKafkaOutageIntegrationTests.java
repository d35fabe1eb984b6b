package dev.tributary.outbox.relay;

import static dev.tributary.testsupport.KafkaTestConsumer.headerValues;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.embedded.EmbeddedKafkaBroker;
import dev.tributary.events.Headers;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Kafka going away: writes keep committing (the WAL behind the slot buffers them) and every event
 * arrives once Kafka is back.
 *
 * <p>This class stops the shared broker. It is self-contained rather than ordered last: it starts
 * the broker again in {@code finally} (same port, same data) and waits until the broker serves
 * requests, so classes that run after it in the same JVM see a working broker. Nothing runs
 * concurrently with it (surefire runs test classes one after another in this module).
 */
class OutboxRelayKafkaOutageIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void writesCommitWhileKafkaIsDownAndEveryEventArrivesWhenItIsBack() {
        EmbeddedKafkaBroker kafka = TestInfra.kafka();
        OutboxTestDatabase database = OutboxTestDatabase.create("relay_outage");
        String topic = TestInfra.uniqueName("relay_outage_events");
        kafka.createTopic(topic, 3);
        OutboxRelay relay = database.relay(database.properties(TestInfra.uniqueName("outage"), Map.of()), null);
        List<UUID> written = new ArrayList<>();
        try {
            relay.start();
            await().atMost(WAIT).until(relay::isRelaying);
            written.addAll(database.commitMany(topic, 50));

            kafka.stop();
            written.addAll(database.commitMany(topic, 200));
            assertThat(database.outboxRows()).isEqualTo(250);
            kafka.start();

            try (var consumer = KafkaTestConsumer.fromBeginning(kafka.bootstrapServers(), topic)) {
                Set<String> ids = new HashSet<>();
                written.forEach(id -> ids.add(id.toString()));
                List<ConsumerRecord<byte[], byte[]>> records = consumer.awaitHeaderValues(Headers.CE_ID, ids, WAIT);
                assertThat(new HashSet<>(headerValues(records, Headers.CE_ID))).isEqualTo(ids);
            }
            assertThat(relay.isRelaying()).isTrue();
        } finally {
            if (!kafka.isRunning()) {
                kafka.start();
            }
            relay.stop();
            OutboxTestDatabase.dropSlot(relay.properties().slotName());
        }
    }

    @Test
    void startsRelayingOnceKafkaComesUpAfterTheRelayStarted() {
        EmbeddedKafkaBroker kafka = TestInfra.kafka();
        OutboxTestDatabase database = OutboxTestDatabase.create("relay_late_kafka");
        String topic = TestInfra.uniqueName("relay_late_events");
        kafka.createTopic(topic, 3);
        OutboxRelay relay = database.relay(database.properties(TestInfra.uniqueName("late"), Map.of()), null);
        try {
            kafka.stop();
            relay.start();
            await().atMost(WAIT).until(relay::isLeader);
            kafka.start();
            await().atMost(WAIT).until(relay::isRelaying);
            List<UUID> written = database.commitMany(topic, 20);

            try (var consumer = KafkaTestConsumer.fromBeginning(kafka.bootstrapServers(), topic)) {
                Set<String> ids = new HashSet<>();
                written.forEach(id -> ids.add(id.toString()));
                List<ConsumerRecord<byte[], byte[]>> records = consumer.awaitHeaderValues(Headers.CE_ID, ids, WAIT);
                assertThat(new HashSet<>(headerValues(records, Headers.CE_ID))).isEqualTo(ids);
            }
        } finally {
            if (!kafka.isRunning()) {
                kafka.start();
            }
            relay.stop();
            OutboxTestDatabase.dropSlot(relay.properties().slotName());
        }
    }
}
