package dev.tributary.outbox.relay;

import static dev.tributary.testsupport.KafkaTestConsumer.header;
import static dev.tributary.testsupport.KafkaTestConsumer.headerValues;
import static dev.tributary.testsupport.KafkaTestConsumer.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.Headers;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Stopping and restarting the relay while rows are being written loses nothing. */
class OutboxRelayRestartIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int ROWS = 1_000;

    @Test
    void relaysEveryRowWrittenAcrossAStopAndRestart() {
        OutboxTestDatabase database = OutboxTestDatabase.create("relay_restart");
        String topic = TestInfra.uniqueName("relay_restart_events");
        OutboxTestDatabase.createTopic(topic, 3);
        OutboxRelay relay = database.relay(database.properties(TestInfra.uniqueName("restart"), Map.of()), null);
        relay.start();
        await().atMost(WAIT).until(relay::isRelaying);

        List<UUID> written = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < ROWS; i++) {
                written.add(database.commit(OutboxTestDatabase.message(topic, "wf-" + (i % 17), null))
                        .id());
            }
        });
        try {
            await().atMost(WAIT).until(() -> written.size() >= ROWS * 3 / 10);
            relay.stop();
            assertThat(relay.isLeader()).isFalse();
            await().atMost(WAIT).until(() -> written.size() >= ROWS * 6 / 10 || writer.isDone());
            relay.start();
            writer.join();

            try (var consumer =
                    KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic)) {
                Set<String> ids = new HashSet<>();
                written.forEach(id -> ids.add(id.toString()));
                List<ConsumerRecord<byte[], byte[]>> records = consumer.awaitHeaderValues(Headers.CE_ID, ids, WAIT);

                assertThat(new HashSet<>(headerValues(records, Headers.CE_ID))).isEqualTo(ids);
                // A duplicate is the same event again: same id, same key, same value.
                Map<String, String> valueById = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    String id = header(record, Headers.CE_ID);
                    String value = text(record.key()) + "|" + text(record.value());
                    assertThat(valueById.putIfAbsent(id, value)).isIn(null, value);
                }
            }
        } finally {
            relay.stop();
            OutboxTestDatabase.dropSlot(relay.properties().slotName());
        }
    }

    @Test
    void closesTheOffsetStoresAdminClientWhenTheEngineStops() {
        OutboxTestDatabase database = OutboxTestDatabase.create("relay_admin");
        OutboxRelay relay = database.relay(database.properties(TestInfra.uniqueName("admin"), Map.of()), null);
        String adminClient =
                OwnedAdminKafkaOffsetStore.ADMIN_CLIENT_ID_PREFIX + DebeziumSettings.engineName(relay.properties());
        try {
            for (int round = 0; round < 3; round++) {
                relay.start();
                await().atMost(WAIT).until(relay::isRelaying);
                assertThat(adminThreads(adminClient))
                        .as("one admin client while the engine runs")
                        .isEqualTo(1);
                relay.stop();
                await("admin client closed after stop %d".formatted(round))
                        .atMost(WAIT)
                        .until(() -> adminThreads(adminClient) == 0);
            }
        } finally {
            relay.stop();
            OutboxTestDatabase.dropSlot(relay.properties().slotName());
        }
    }

    private static long adminThreads(String clientId) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .filter(thread -> thread.getName().endsWith("| " + clientId))
                .count();
    }
}
