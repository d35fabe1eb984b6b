package dev.tributary.outbox.relay;

import static org.awaitility.Awaitility.await;

import dev.tributary.outbox.OutboxMessage;
import dev.tributary.outbox.OutboxWriter;
import dev.tributary.testsupport.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import liquibase.integration.spring.SpringLiquibase;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A fresh database on the shared embedded PostgreSQL with the outbox table created by the real
 * Liquibase changelog, plus helpers to write rows and build relays on it.
 */
final class OutboxTestDatabase {

    static final String SCHEMA = "relaytest";

    /** Liquibase logs through java.util.logging; keep a reference so the level sticks. */
    private static final java.util.logging.Logger LIQUIBASE_LOG = quietLiquibase();

    final String name;
    final String jdbcUrl;
    final DataSource dataSource;
    final JdbcTemplate jdbc;
    final TransactionTemplate transactions;
    final OutboxWriter writer;

    private OutboxTestDatabase(String jdbcUrl) {
        this.jdbcUrl = jdbcUrl;
        this.name = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1);
        this.dataSource = TestInfra.postgres().dataSource(name);
        this.jdbc = new JdbcTemplate(dataSource);
        this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        this.writer = new OutboxWriter(jdbc, SCHEMA + ".outbox");
    }

    /** Creates the database and runs the outbox changelog with {@code outboxSchema=relaytest}. */
    static OutboxTestDatabase create(String prefix) {
        LIQUIBASE_LOG.fine("running the outbox changelog");
        OutboxTestDatabase database = new OutboxTestDatabase(TestInfra.newDatabase(prefix));
        SpringLiquibase liquibase = new SpringLiquibase();
        liquibase.setDataSource(database.dataSource);
        liquibase.setChangeLog("classpath:db/tributary-outbox/changelog.yaml");
        liquibase.setChangeLogParameters(Map.of("outboxSchema", SCHEMA));
        try {
            liquibase.afterPropertiesSet();
        } catch (Exception e) {
            throw new IllegalStateException("outbox changelog failed", e);
        }
        return database;
    }

    private static java.util.logging.Logger quietLiquibase() {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("liquibase");
        logger.setLevel(java.util.logging.Level.WARNING);
        return logger;
    }

    DatabaseConnection connection() {
        return new DatabaseConnection(
                jdbcUrl, TestInfra.postgres().username(), TestInfra.postgres().password());
    }

    /** Relay properties for this database with test-friendly intervals, plus overrides. */
    OutboxRelayProperties properties(String outboxName, Map<String, ?> overrides) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("name", outboxName);
        values.put("schema", SCHEMA);
        values.put("source", "/tributary/test-service");
        values.put("heartbeat-interval", "1s");
        // A stalled machine must not cost a test its leader (the default 2 s can pass in one GC or
        // CPU stall); a dead lock connection is still noticed at once.
        values.put("leader-check-timeout", "10s");
        values.putAll(overrides);
        return OutboxRelayProperties.of(values);
    }

    OutboxRelay relay(OutboxRelayProperties properties, @Nullable MeterRegistry registry) {
        return OutboxRelay.builder(properties)
                .database(connection())
                .bootstrapServers(TestInfra.kafka().bootstrapServers())
                .meterRegistry(registry)
                .build();
    }

    /** A message with a JSON payload in jsonb's canonical text form, so the relayed bytes equal it. */
    static OutboxMessage message(String topic, String key, @Nullable String traceparent) {
        UUID id = UUID.randomUUID();
        return new OutboxMessage(
                id, topic, key, "tributary.test.happened.v1", "{\"id\": \"" + id + "\", \"n\": 1}", traceparent);
    }

    /** Writes one message in its own committed transaction. */
    OutboxMessage commit(OutboxMessage message) {
        transactions.executeWithoutResult(status -> writer.append(message));
        return message;
    }

    /** Writes the messages in one committed transaction, in order. */
    void commitTogether(OutboxMessage... messages) {
        transactions.executeWithoutResult(status -> {
            for (OutboxMessage message : messages) {
                writer.append(message);
            }
        });
    }

    /** Writes {@code count} messages, one committed transaction each; returns their ids in order. */
    List<UUID> commitMany(String topic, int count) {
        List<UUID> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(commit(message(topic, "wf-" + (i % 17), null)).id());
        }
        return ids;
    }

    OffsetDateTime createdAt(UUID id) {
        return jdbc.queryForObject(
                "SELECT created_at FROM " + SCHEMA + ".outbox WHERE id = ?", OffsetDateTime.class, id);
    }

    String payloadText(UUID id) {
        return jdbc.queryForObject("SELECT payload::text FROM " + SCHEMA + ".outbox WHERE id = ?", String.class, id);
    }

    long outboxRows() {
        Long count = jdbc.queryForObject("SELECT count(*) FROM " + SCHEMA + ".outbox", Long.class);
        return count == null ? 0 : count;
    }

    /** Drops the relay's slot once nothing uses it, so finished tests do not pin WAL. */
    static void dropSlot(String slotName) {
        JdbcTemplate admin = new JdbcTemplate(TestInfra.postgres().adminDataSource());
        String activeSql = "SELECT active FROM pg_replication_slots WHERE slot_name = ?";
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        !admin.queryForList(activeSql, Boolean.class, slotName).contains(true));
        admin.queryForList(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?",
                Object.class,
                slotName);
    }

    /**
     * Creates a topic on the shared broker, retrying: on a loaded machine (or right after a broker
     * restart) the broker may briefly answer "unknown topic or partition" for a topic it just
     * created.
     */
    static void createTopic(String topic, int partitions) {
        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .untilAsserted(() -> TestInfra.kafka().createTopic(topic, partitions));
    }

    /** Terminates a backend from an admin connection (simulates a dead connection). */
    static void terminateBackend(int pid) {
        new JdbcTemplate(TestInfra.postgres().adminDataSource())
                .queryForList("SELECT pg_terminate_backend(?)", Boolean.class, pid);
    }
}
