package dev.tributary.outbox.relay;

import static dev.tributary.testsupport.KafkaTestConsumer.header;
import static dev.tributary.testsupport.KafkaTestConsumer.headerValues;
import static dev.tributary.testsupport.KafkaTestConsumer.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.Headers;
import dev.tributary.outbox.OutboxMessage;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.json.JsonMapper;

/** One relay on one outbox: what a committed row becomes on Kafka, and what a rolled-back one does not. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxRelayIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private OutboxTestDatabase database;
    private OutboxRelay relay;
    private String topic;
    private String deadLetters;

    @BeforeAll
    void startRelay() {
        database = OutboxTestDatabase.create("relay_basic");
        topic = TestInfra.uniqueName("relay_events");
        OutboxTestDatabase.createTopic(topic, 3);
        deadLetters = TestInfra.uniqueName("relay_dead_letters");
        OutboxTestDatabase.createTopic(deadLetters, 1);
        relay = database.relay(
                database.properties(TestInfra.uniqueName("basic"), Map.of("dead-letter-topic", deadLetters)), meters);
        relay.start();
        await().atMost(WAIT).until(relay::isRelaying);
    }

    @AfterAll
    void stopRelay() {
        relay.stop();
        OutboxTestDatabase.dropSlot(relay.properties().slotName());
    }

    @Test
    void relaysACommittedRowOnceWithKeyValueAndCloudEventsHeaders() {
        OutboxMessage traced = database.commit(OutboxTestDatabase.message(topic, "wf-headers", TRACEPARENT));
        // Same key, so same partition: once the marker is there, a duplicate of the first would be too.
        OutboxMessage marker = database.commit(OutboxTestDatabase.message(topic, "wf-headers", null));

        try (var consumer = KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic)) {
            List<ConsumerRecord<byte[], byte[]>> records = consumer.awaitHeaderValues(
                    Headers.CE_ID, List.of(traced.id().toString(), marker.id().toString()), WAIT);

            List<ConsumerRecord<byte[], byte[]>> tracedRecords = records.stream()
                    .filter(record -> traced.id().toString().equals(header(record, Headers.CE_ID)))
                    .toList();
            assertThat(tracedRecords).hasSize(1);
            ConsumerRecord<byte[], byte[]> record = tracedRecords.getFirst();
            assertThat(text(record.key())).isEqualTo("wf-headers");
            // The value is the jsonb column's text (PostgreSQL normalises key order and spacing).
            assertThat(text(record.value())).isEqualTo(database.payloadText(traced.id()));
            assertThat(JSON.readTree(record.value())).isEqualTo(JSON.readTree(traced.payloadJson()));
            assertThat(header(record, Headers.CE_SPECVERSION)).isEqualTo("1.0");
            assertThat(header(record, Headers.CE_TYPE)).isEqualTo(traced.type());
            assertThat(header(record, Headers.CE_SOURCE)).isEqualTo("/tributary/test-service");
            assertThat(header(record, Headers.CE_SUBJECT)).isEqualTo("wf-headers");
            assertThat(header(record, Headers.CONTENT_TYPE)).isEqualTo("application/json");
            assertThat(header(record, Headers.TRACEPARENT)).isEqualTo(TRACEPARENT);
            assertThat(OffsetDateTime.parse(header(record, Headers.CE_TIME)).toInstant())
                    .isEqualTo(database.createdAt(traced.id()).toInstant());

            ConsumerRecord<byte[], byte[]> markerRecord = records.stream()
                    .filter(candidate -> marker.id().toString().equals(header(candidate, Headers.CE_ID)))
                    .findFirst()
                    .orElseThrow();
            assertThat(header(markerRecord, Headers.TRACEPARENT)).isNull();
        }
    }

    @Test
    void neverRelaysARolledBackRow() {
        OutboxMessage rolledBack = OutboxTestDatabase.message(topic, "wf-rollback", null);
        database.transactions.executeWithoutResult(status -> {
            database.writer.append(rolledBack);
            status.setRollbackOnly();
        });
        OutboxMessage marker = database.commit(OutboxTestDatabase.message(topic, "wf-rollback", null));

        try (var consumer = KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic)) {
            List<ConsumerRecord<byte[], byte[]>> records = consumer.awaitHeaderValues(
                    Headers.CE_ID, List.of(marker.id().toString()), WAIT);

            assertThat(headerValues(records, Headers.CE_ID))
                    .doesNotContain(rolledBack.id().toString());
        }
    }

    @Test
    void deadLettersARowWhoseTopicNameKafkaRejectsAndKeepsRelaying() {
        OutboxMessage invalid = database.commit(OutboxTestDatabase.message("not a valid topic!", "wf-bad", null));
        OutboxMessage next = database.commit(OutboxTestDatabase.message(topic, "wf-bad", null));

        try (var consumer = KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), deadLetters)) {
            ConsumerRecord<byte[], byte[]> deadLetter = consumer.awaitHeaderValues(
                            Headers.CE_ID, List.of(invalid.id().toString()), WAIT)
                    .getFirst();
            assertThat(header(deadLetter, Headers.DLT_ORIGINAL_TOPIC)).isEqualTo("not a valid topic!");
            assertThat(header(deadLetter, Headers.DLT_REASON)).isNotBlank();
            assertThat(text(deadLetter.key())).isEqualTo("wf-bad");
        }
        try (var consumer = KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic)) {
            consumer.awaitHeaderValues(Headers.CE_ID, List.of(next.id().toString()), WAIT);
        }
    }

    @Test
    void countsRelayedEventsAndReportsLeadership() {
        double before = meters.get(RelayMetrics.RELAYED).counter().count();
        OutboxMessage message = database.commit(OutboxTestDatabase.message(topic, "wf-metrics", null));

        try (var consumer = KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic)) {
            consumer.awaitHeaderValues(Headers.CE_ID, List.of(message.id().toString()), WAIT);
        }

        // The counter moves when the relay gets the acknowledgement, which may follow the consumer's read.
        await().atMost(WAIT)
                .until(() -> meters.get(RelayMetrics.RELAYED)
                                .tag("outbox", relay.properties().name())
                                .counter()
                                .count()
                        > before);
        // The lag is recorded just after the counter moves.
        await().atMost(WAIT).until(() -> meters.get(RelayMetrics.LAG).timer().count() > 0);
        assertThat(meters.get(RelayMetrics.LEADER).gauge().value()).isEqualTo(1.0);
        await().atMost(WAIT)
                .until(() -> meters.get(RelayMetrics.SLOT_LAG).gauge().value() >= 0);
    }

    @Test
    void advancesTheSlotWhileTheOutboxIsQuiet() {
        database.jdbc.execute("CREATE TABLE IF NOT EXISTS unrelated (id serial PRIMARY KEY, note text)");
        database.jdbc.update("INSERT INTO unrelated (note) SELECT 'x' FROM generate_series(1, 1000)");
        String written = database.jdbc.queryForObject("SELECT pg_current_wal_lsn()::text", String.class);

        await().atMost(WAIT)
                .until(() -> Boolean.TRUE.equals(database.jdbc.queryForObject(
                        "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?",
                        Boolean.class,
                        written,
                        relay.properties().slotName())));
    }
}
