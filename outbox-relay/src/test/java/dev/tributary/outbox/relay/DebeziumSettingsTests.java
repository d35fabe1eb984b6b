package dev.tributary.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class DebeziumSettingsTests {

    private final DatabaseConnection database =
            new DatabaseConnection("jdbc:postgresql://db.example:6543/tributary?sslmode=disable", "relay", "pw");

    @Test
    void configuresThePostgresConnectorOnTheRelaysSlotAndPublication() {
        Properties config = DebeziumSettings.of(
                OutboxRelayProperties.of(Map.of("name", "submission", "schema", "submission")), database, "kafka:9092");

        assertThat(config)
                .containsEntry("database.hostname", "db.example")
                .containsEntry("database.port", "6543")
                .containsEntry("database.dbname", "tributary")
                .containsEntry("database.user", "relay")
                .containsEntry("plugin.name", "pgoutput")
                .containsEntry("slot.name", "tributary_submission")
                .containsEntry("publication.name", "tributary_submission")
                .containsEntry("publication.autocreate.mode", "disabled")
                .containsEntry("snapshot.mode", "no_data")
                .containsEntry("table.include.list", "submission\\.outbox")
                .containsEntry("poll.interval.ms", "10")
                .containsEntry("retriable.restart.connector.wait.ms", "1000")
                .containsEntry("heartbeat.interval.ms", "10000")
                .containsEntry("offset.storage", DebeziumSettings.KAFKA_OFFSET_STORE)
                .containsEntry("offset.storage.topic", "tributary.relay-offsets.submission")
                .containsEntry("offset.flush.interval.ms", "1000")
                .containsEntry("bootstrap.servers", "kafka:9092")
                .containsEntry("name", "tributary-outbox-submission");
    }

    @Test
    void routesOutboxRowsByTheirTopicColumnWithCloudEventsHeaders() {
        Properties config = DebeziumSettings.of(OutboxRelayProperties.of(Map.of("schema", "s")), database, "k:1");

        assertThat(config)
                .containsEntry("transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter")
                .containsEntry("transforms.outbox.route.by.field", "topic")
                .containsEntry("transforms.outbox.route.topic.replacement", "${routedByValue}")
                .containsEntry("transforms.outbox.table.field.event.key", "aggregate_id")
                .containsEntry("predicates.isOutbox.pattern", "tributary_s\\.s\\.outbox");
        assertThat(config.getProperty("transforms.outbox.table.fields.additional.placement"))
                .contains("id:header:ce_id", "type:header:ce_type", "created_at:header:ce_time");
    }

    @Test
    void letsRawDebeziumSettingsOverrideTheDefaults() {
        Properties config = DebeziumSettings.of(
                OutboxRelayProperties.of(Map.of("schema", "s", "debezium.max.batch.size", "99")), database, "k:1");

        assertThat(config).containsEntry("max.batch.size", "99");
    }
}
