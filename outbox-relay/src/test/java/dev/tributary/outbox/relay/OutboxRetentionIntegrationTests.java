package dev.tributary.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.Headers;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The retention job deletes a row only when it is both older than the retention and relayed. */
class OutboxRetentionIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void deletesOnlyRowsThatAreOldAndRelayed() {
        OutboxTestDatabase database = OutboxTestDatabase.create("relay_retention");
        String topic = TestInfra.uniqueName("relay_retention_events");
        OutboxTestDatabase.createTopic(topic, 1);
        OutboxRelay relay =
                database.relay(database.properties(TestInfra.uniqueName("retention"), Map.of("retention", "1h")), null);
        try (var consumer = KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic)) {
            relay.start();
            await().atMost(WAIT).until(relay::isRelaying);
            UUID oldRelayed = insert(database, topic, "3 hours");
            consumer.awaitHeaderValues(Headers.CE_ID, List.of(oldRelayed.toString()), WAIT);
            // A consumer may see the record before the relay has its acknowledgement.
            await().atMost(WAIT).until(() -> relay.relayedUpTo() != null);

            relay.stop();
            UUID oldNotYetRelayed = insert(database, topic, "2 hours");
            UUID young = insert(database, topic, "0 hours");

            assertThat(relay.purgeRelayedRows()).isEqualTo(1);
            assertThat(ids(database)).containsExactlyInAnyOrder(oldNotYetRelayed, young);

            relay.start();
            consumer.awaitHeaderValues(Headers.CE_ID, List.of(oldNotYetRelayed.toString(), young.toString()), WAIT);
            Instant youngCreatedAt = database.createdAt(young).toInstant();
            await().atMost(WAIT).until(() -> !relay.relayedUpTo().isBefore(youngCreatedAt));
            assertThat(relay.purgeRelayedRows()).isEqualTo(1);
            assertThat(ids(database)).containsExactly(young);
        } finally {
            relay.stop();
            OutboxTestDatabase.dropSlot(relay.properties().slotName());
        }
    }

    private static UUID insert(OutboxTestDatabase database, String topic, String age) {
        UUID id = UUID.randomUUID();
        database.jdbc.update(
                "INSERT INTO " + OutboxTestDatabase.SCHEMA
                        + ".outbox (id, topic, aggregate_id, type, payload, created_at)"
                        + " VALUES (?, ?, 'wf-retention', 'tributary.test.happened.v1', '{}'::jsonb, now() - ?::interval)",
                id,
                topic,
                age);
        return id;
    }

    private static List<UUID> ids(OutboxTestDatabase database) {
        return database.jdbc.queryForList("SELECT id FROM " + OutboxTestDatabase.SCHEMA + ".outbox", UUID.class);
    }
}
