package dev.tributary.outbox.relay;

import dev.tributary.events.Headers;
import java.time.Duration;
import java.util.Properties;

/**
 * The Debezium engine configuration of a relay (ARCHITECTURE §1, §7, §10): PostgreSQL connector
 * with {@code pgoutput} on the relay's own slot and publication (which the relay creates, so
 * {@code publication.autocreate.mode=disabled}), no snapshot, offsets in a compacted Kafka topic,
 * low-latency polling, heartbeats, and the Outbox {@code EventRouter} applied to outbox change
 * records only.
 */
final class DebeziumSettings {

    static final String CONNECTOR_CLASS = "io.debezium.connector.postgresql.PostgresConnector";
    static final String KAFKA_OFFSET_STORE = OwnedAdminKafkaOffsetStore.class.getName();

    private DebeziumSettings() {}

    /** The engine name; it keys the stored offsets, so it must stay the same across restarts and hosts. */
    static String engineName(OutboxRelayProperties properties) {
        return "tributary-outbox-" + properties.name();
    }

    static Properties of(OutboxRelayProperties properties, DatabaseConnection database, String bootstrapServers) {
        Properties config = new Properties();
        config.setProperty("name", engineName(properties));
        config.setProperty("connector.class", CONNECTOR_CLASS);
        config.setProperty("tasks.max", "1");

        // Offsets: a compacted topic, so a relay on another host resumes where the last one stopped.
        config.setProperty("bootstrap.servers", bootstrapServers);
        config.setProperty("offset.storage", KAFKA_OFFSET_STORE);
        config.setProperty("offset.storage.topic", properties.offsetTopic());
        config.setProperty("offset.storage.partitions", "1");
        config.setProperty(
                "offset.storage.replication.factor", String.valueOf(properties.offsetTopicReplicationFactor()));
        config.setProperty("offset.flush.interval.ms", millis(properties.offsetFlushInterval()));
        config.setProperty("offset.flush.timeout.ms", "5000");

        // Source: this service's database, slot and publication; never snapshot existing rows.
        config.setProperty("database.hostname", database.host());
        config.setProperty("database.port", String.valueOf(database.port()));
        config.setProperty("database.user", database.username());
        config.setProperty("database.password", database.password());
        config.setProperty("database.dbname", database.database());
        config.setProperty("topic.prefix", properties.slotName());
        config.setProperty("plugin.name", "pgoutput");
        config.setProperty("slot.name", properties.slotName());
        config.setProperty("publication.name", properties.publicationName());
        config.setProperty("publication.autocreate.mode", "disabled");
        config.setProperty("snapshot.mode", "no_data");
        config.setProperty("table.include.list", literal(properties.qualifiedTable()));
        config.setProperty("tombstones.on.delete", "false");
        config.setProperty("slot.max.retries", "5");
        config.setProperty("slot.retry.delay.ms", "1000");
        config.setProperty("status.update.interval.ms", millis(properties.offsetFlushInterval()));

        // Latency and liveness (ARCHITECTURE §10).
        config.setProperty("poll.interval.ms", millis(properties.pollInterval()));
        config.setProperty("retriable.restart.connector.wait.ms", millis(properties.retriableRestartWait()));
        config.setProperty("heartbeat.interval.ms", millis(properties.heartbeatInterval()));
        if (!properties.heartbeatActionQuery().isBlank()) {
            config.setProperty("heartbeat.action.query", properties.heartbeatActionQuery());
        }
        config.setProperty("max.batch.size", String.valueOf(properties.maxBatchSize()));
        config.setProperty("max.queue.size", String.valueOf(properties.maxQueueSize()));
        // Give up on a failing start after a few attempts: the relay restarts the engine itself
        // with its own backoff, and an engine that is starting cannot be stopped.
        config.setProperty("errors.max.retries", "3");
        config.setProperty("errors.retry.delay.initial.ms", "300");
        config.setProperty("errors.retry.delay.max.ms", millis(properties.retriableRestartWait()));

        // Outbox EventRouter, on outbox change records only (not heartbeats or messages).
        config.setProperty("predicates", "isOutbox");
        config.setProperty(
                "predicates.isOutbox.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches");
        config.setProperty(
                "predicates.isOutbox.pattern", literal(properties.slotName() + "." + properties.qualifiedTable()));
        config.setProperty("transforms", "outbox");
        config.setProperty("transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
        config.setProperty("transforms.outbox.predicate", "isOutbox");
        config.setProperty("transforms.outbox.table.field.event.id", "id");
        config.setProperty("transforms.outbox.table.field.event.key", "aggregate_id");
        config.setProperty("transforms.outbox.table.field.event.payload", "payload");
        config.setProperty("transforms.outbox.table.expand.json.payload", "false");
        config.setProperty("transforms.outbox.route.by.field", "topic");
        config.setProperty("transforms.outbox.route.topic.replacement", "${routedByValue}");
        config.setProperty(
                "transforms.outbox.table.fields.additional.placement",
                String.join(
                        ",",
                        "id:header:" + Headers.CE_ID,
                        "type:header:" + Headers.CE_TYPE,
                        "aggregate_id:header:" + Headers.CE_SUBJECT,
                        "created_at:header:" + Headers.CE_TIME,
                        "traceparent:header:" + Headers.TRACEPARENT));

        properties.debezium().forEach(config::setProperty);
        return config;
    }

    /** A regex matching the name literally; names are SQL identifiers joined by dots. */
    private static String literal(String dottedName) {
        return dottedName.replace(".", "\\.");
    }

    private static String millis(Duration duration) {
        return String.valueOf(duration.toMillis());
    }
}
