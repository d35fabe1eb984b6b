package dev.tributary.outbox.relay;

import static dev.tributary.testsupport.KafkaTestConsumer.headerValues;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.embedded.EmbeddedKafkaBroker;
import dev.tributary.events.Headers;
import dev.tributary.outbox.OutboxMessage;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
    private static final Map<String, String> SHORT_PRODUCER_TIMEOUTS = Map.of(
            "producer.delivery.timeout.ms", "2000",
            "producer.request.timeout.ms", "1000",
            "producer.max.block.ms", "1000");

    @Test
    void writesCommitWhileKafkaIsDownAndEveryEventArrivesWhenItIsBack() {
        EmbeddedKafkaBroker kafka = TestInfra.kafka();
        OutboxTestDatabase database = OutboxTestDatabase.create("relay_outage");
        String topic = TestInfra.uniqueName("relay_outage_events");
        OutboxTestDatabase.createTopic(topic, 3);
        // Short producer timeouts, so sends in flight when Kafka goes away fail and are re-sent.
        OutboxRelay relay =
                database.relay(database.properties(TestInfra.uniqueName("outage"), SHORT_PRODUCER_TIMEOUTS), null);
        List<UUID> written = new ArrayList<>();
        try {
            relay.start();
            await().atMost(WAIT).until(relay::isRelaying);
            written.addAll(database.commitMany(topic, 50));

            kafka.stop();
            written.addAll(database.commitMany(topic, 200));
            assertThat(database.outboxRows()).isEqualTo(250);
            restart(kafka);

            try (var consumer = KafkaTestConsumer.fromBeginning(kafka.bootstrapServers(), topic)) {
                Set<String> ids = new HashSet<>();
                written.forEach(id -> ids.add(id.toString()));
                List<ConsumerRecord<byte[], byte[]>> records = consumer.awaitHeaderValues(Headers.CE_ID, ids, WAIT);
                assertThat(new HashSet<>(headerValues(records, Headers.CE_ID))).isEqualTo(ids);
            }
            assertThat(relay.isRelaying()).isTrue();
        } finally {
            restart(kafka);
            relay.stop();
            OutboxTestDatabase.dropSlot(relay.properties().slotName());
        }
    }

    @Test
    void startsRelayingOnceKafkaComesUpAfterTheRelayStartedAndRelaysWhatWasCommittedMeanwhile() {
        EmbeddedKafkaBroker kafka = TestInfra.kafka();
        OutboxTestDatabase database = OutboxTestDatabase.create("relay_late_kafka");
        String topic = TestInfra.uniqueName("relay_late_events");
        OutboxTestDatabase.createTopic(topic, 3);
        // A short admin/consumer timeout, so the offset store's start fails fast while Kafka is down.
        OutboxRelay relay = database.relay(
                database.properties(
                        TestInfra.uniqueName("late"),
                        Map.of("debezium.default.api.timeout.ms", "5000", "debezium.request.timeout.ms", "4000")),
                null);
        try {
            kafka.stop();
            relay.start();
            // Committed before the engine ever ran (it cannot while Kafka is down): the slot that
            // start() created keeps them.
            List<UUID> written = new ArrayList<>(database.commitMany(topic, 5));
            // The engine cannot start without its offset store; the relay keeps restarting it.
            await().atMost(WAIT).until(() -> relay.engineStarts() >= 2);
            assertThat(relay.isLeader()).isTrue();
            assertThat(relay.isRelaying()).isFalse();
            restart(kafka);
            await().atMost(WAIT).until(relay::isRelaying);
            written.addAll(database.commitMany(topic, 20));

            try (var consumer = KafkaTestConsumer.fromBeginning(kafka.bootstrapServers(), topic)) {
                Set<String> ids = new HashSet<>();
                written.forEach(id -> ids.add(id.toString()));
                List<ConsumerRecord<byte[], byte[]>> records = consumer.awaitHeaderValues(Headers.CE_ID, ids, WAIT);
                assertThat(new HashSet<>(headerValues(records, Headers.CE_ID))).isEqualTo(ids);
            }
        } finally {
            restart(kafka);
            relay.stop();
            OutboxTestDatabase.dropSlot(relay.properties().slotName());
        }
    }

    @Test
    void createsTheTopicOfAnEventWhoseTopicDoesNotExistYet() {
        EmbeddedKafkaBroker kafka = TestInfra.kafka();
        OutboxTestDatabase database = OutboxTestDatabase.create("relay_creates_topic");
        String missing = TestInfra.uniqueName("relay_created_events");
        OutboxRelay relay = database.relay(
                database.properties(TestInfra.uniqueName("creates"), Map.of()), new SimpleMeterRegistry());
        try {
            relay.start();
            await().atMost(WAIT).until(relay::isRelaying);
            UUID id = database.commit(OutboxTestDatabase.message(missing, "wf-new-topic", null))
                    .id();

            await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
                try (var consumer = KafkaTestConsumer.fromBeginning(kafka.bootstrapServers(), missing)) {
                    assertThat(headerValues(
                                    consumer.awaitHeaderValues(Headers.CE_ID, List.of(id.toString()), WAIT),
                                    Headers.CE_ID))
                            .containsExactly(id.toString());
                }
            });
        } finally {
            relay.stop();
            OutboxTestDatabase.dropSlot(relay.properties().slotName());
        }
    }

    @Test
    void keepsResendingAnEventWhoseTopicDoesNotExistYetWithoutDuplicatingOthers() {
        EmbeddedKafkaBroker kafka = TestInfra.kafka();
        OutboxTestDatabase database = OutboxTestDatabase.create("relay_missing_topic");
        String missing = TestInfra.uniqueName("relay_missing_events");
        String existing = TestInfra.uniqueName("relay_existing_events");
        OutboxTestDatabase.createTopic(existing, 1);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // Only the metadata wait is short, so the send to the missing topic fails fast; the default
        // delivery timeout keeps a slow acknowledgement of the other event from being re-sent (a
        // duplicate this test would count).
        Map<String, String> noTopicCreation = new HashMap<>();
        noTopicCreation.put("producer.max.block.ms", "1000");
        noTopicCreation.put("create-topics", "false");
        // The two events must reach the handler as one batch: a batch holds back the next one until
        // it is acknowledged, so an event alone behind the failing one would wait for it, by design.
        // One transaction, read within one long engine poll, makes them one batch.
        noTopicCreation.put("poll-interval", "1s");
        OutboxRelay relay =
                database.relay(database.properties(TestInfra.uniqueName("missing"), noTopicCreation), meters);
        try {
            relay.start();
            await().atMost(WAIT).until(relay::isRelaying);
            OutboxMessage failing = OutboxTestDatabase.message(missing, "wf-missing", null);
            OutboxMessage other = OutboxTestDatabase.message(existing, "wf-existing", null);
            database.commitTogether(failing, other);
            UUID first = failing.id();
            UUID second = other.id();

            await().atMost(WAIT)
                    .until(() -> meters.get(RelayMetrics.RETRIES).counter().count() >= 2);
            assertThat(relay.isRelaying()).isTrue();
            try (var consumer = KafkaTestConsumer.fromBeginning(kafka.bootstrapServers(), existing)) {
                // Acknowledged once and not re-sent with every retry of the other event.
                List<ConsumerRecord<byte[], byte[]>> records =
                        consumer.awaitHeaderValues(Headers.CE_ID, List.of(second.toString()), WAIT);
                assertThat(headerValues(records, Headers.CE_ID)).containsExactly(second.toString());
            }
            OutboxTestDatabase.createTopic(missing, 1);

            try (var consumer = KafkaTestConsumer.fromBeginning(kafka.bootstrapServers(), missing, existing)) {
                List<ConsumerRecord<byte[], byte[]>> records =
                        consumer.awaitHeaderValues(Headers.CE_ID, List.of(first.toString(), second.toString()), WAIT);
                assertThat(headerValues(records, Headers.CE_ID)).contains(first.toString(), second.toString());
            }
        } finally {
            relay.stop();
            OutboxTestDatabase.dropSlot(relay.properties().slotName());
        }
    }

    /**
     * Starts the broker unless it runs, and waits until it creates and serves a new topic: right
     * after a restart it may briefly answer "unknown topic or partition" until it has caught up
     * with its metadata, which would otherwise hit the next test class.
     */
    private static void restart(EmbeddedKafkaBroker kafka) {
        if (!kafka.isRunning()) {
            kafka.start();
        }
        String probe = TestInfra.uniqueName("relay_outage_probe");
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> kafka.createTopic(probe, 1));
    }
}
