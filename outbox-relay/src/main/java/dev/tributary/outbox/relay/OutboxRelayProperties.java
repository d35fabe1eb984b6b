package dev.tributary.outbox.relay;

import dev.tributary.events.Topics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Settings of one service's outbox relay ({@code tributary.outbox.*}). Every default lives here:
 * the constant ones in {@link DefaultValue} annotations, the ones derived from {@link #name()} in
 * the compact constructor. Connection settings left empty fall back to the service's {@code
 * spring.datasource.*} and {@code spring.kafka.bootstrap-servers}.
 *
 * @param enabled whether this instance runs the relay; the {@code OutboxWriter} bean exists either way
 * @param name the outbox name used in slot, publication, offset topic, engine name and metric tags;
 *     defaults to {@link #schema()}
 * @param schema the schema holding the outbox table
 * @param table the outbox table name
 * @param source the CloudEvents {@code ce_source} of relayed events; defaults to {@code /tributary/<name>}
 * @param jdbcUrl JDBC URL of the database holding the outbox; defaults to {@code spring.datasource.url}
 * @param username database user (needs the REPLICATION attribute); defaults to {@code spring.datasource.username}
 * @param password database password; defaults to {@code spring.datasource.password}
 * @param bootstrapServers Kafka bootstrap servers; defaults to {@code spring.kafka.bootstrap-servers}, then {@code localhost:9092}
 * @param slotName the logical replication slot; defaults to {@code tributary_<name>}
 * @param publicationName the publication (outbox table only, inserts only); defaults to {@code tributary_<name>}
 * @param createPublication whether the relay creates the publication (or adds the outbox table to
 *     it) when missing; turn off when a DBA manages publications
 * @param createTopics whether the relay creates a destination topic that does not exist yet (with
 *     the broker's default partitions and replication), so that an outbox row for a new task type
 *     never blocks the rows behind it on a broker that does not auto-create topics
 * @param offsetTopic compacted Kafka topic holding the engine's offsets; defaults to {@code tributary.relay-offsets.<name>}
 * @param deadLetterTopic where an event goes that Kafka can never accept (invalid topic name, too
 *     large), with the reason in headers, instead of blocking the relay
 * @param offsetTopicReplicationFactor replication factor used when the offset topic is created
 * @param offsetFlushInterval how often relayed positions are flushed to the offset topic and confirmed to the slot
 * @param pollInterval how long the engine waits for new WAL changes before polling again
 * @param retriableRestartWait wait before the connector restarts after a retriable error
 * @param heartbeatInterval how often the engine emits a heartbeat and runs {@link #heartbeatActionQuery()}
 * @param heartbeatActionQuery SQL run on each heartbeat so the slot advances while the outbox is
 *     quiet; empty for none
 * @param maxBatchSize the most change events handed to the producer in one batch
 * @param maxQueueSize the most change events buffered between the WAL reader and the producer
 * @param producer extra Kafka producer settings, applied last (raw Kafka property names)
 * @param producerLinger Kafka producer {@code linger.ms}
 * @param sendRetryBackoff first wait before re-sending the unacknowledged part of a batch
 * @param sendRetryMaxBackoff longest wait between re-send attempts
 * @param restartBackoff first wait before restarting an engine that failed (e.g. Kafka down at startup)
 * @param restartMaxBackoff longest wait between engine restarts
 * @param leaderAcquireInterval how often a standby tries to take the leader lock
 * @param leaderCheckInterval how often the leader checks that its lock connection is alive
 * @param leaderCheckTimeout how long that check may take before the lock counts as lost
 * @param rejoinDelay how long an instance that lost leadership waits before competing again
 * @param retention relayed outbox rows older than this are deleted
 * @param retentionInterval how often the leader runs the retention job
 * @param retentionBatchSize rows deleted per statement by the retention job
 * @param slotLagInterval how often the replication slot lag gauge is refreshed
 * @param shutdownTimeout how long stopping the engine may take before it is abandoned
 * @param debezium extra Debezium engine/connector settings, applied last (raw Debezium property names)
 * @param relayMode how committed rows reach Kafka: {@code debezium} streams them from the WAL (the
 *     default); {@code polling} queries the table instead (the baseline of docs/performance.md)
 * @param polling settings of the polling relay, used when {@code relay-mode=polling}
 */
@ConfigurationProperties("tributary.outbox")
public record OutboxRelayProperties(
        @DefaultValue("true") boolean enabled,
        @Nullable String name,
        @DefaultValue("public") String schema,
        @DefaultValue("outbox") String table,
        @Nullable String source,
        @Nullable String jdbcUrl,
        @Nullable String username,
        @Nullable String password,
        @Nullable String bootstrapServers,
        @Nullable String slotName,
        @Nullable String publicationName,
        @DefaultValue("true") boolean createPublication,
        @DefaultValue("true") boolean createTopics,
        @Nullable String offsetTopic,
        @DefaultValue(Topics.DEAD_LETTERS) String deadLetterTopic,
        @DefaultValue("1") short offsetTopicReplicationFactor,
        @DefaultValue("1s") Duration offsetFlushInterval,
        @DefaultValue("10ms") Duration pollInterval,
        @DefaultValue("1s") Duration retriableRestartWait,
        @DefaultValue("10s") Duration heartbeatInterval,
        @DefaultValue(DEFAULT_HEARTBEAT_QUERY) String heartbeatActionQuery,
        @DefaultValue("2048") int maxBatchSize,
        @DefaultValue("8192") int maxQueueSize,
        @DefaultValue("2ms") Duration producerLinger,
        @DefaultValue("200ms") Duration sendRetryBackoff,
        @DefaultValue("10s") Duration sendRetryMaxBackoff,
        @DefaultValue("1s") Duration restartBackoff,
        @DefaultValue("10s") Duration restartMaxBackoff,
        @DefaultValue("1s") Duration leaderAcquireInterval,
        @DefaultValue("1s") Duration leaderCheckInterval,
        @DefaultValue("2s") Duration leaderCheckTimeout,
        @DefaultValue("5s") Duration rejoinDelay,
        @DefaultValue("24h") Duration retention,
        @DefaultValue("5m") Duration retentionInterval,
        @DefaultValue("10000") int retentionBatchSize,
        @DefaultValue("5s") Duration slotLagInterval,
        @DefaultValue("30s") Duration shutdownTimeout,
        Map<String, String> producer,
        Map<String, String> debezium,
        @DefaultValue("debezium") RelayMode relayMode,
        @DefaultValue Polling polling) {

    /** How committed outbox rows reach Kafka. */
    public enum RelayMode {
        /** The Debezium embedded engine streams inserts from the WAL (logical replication). */
        DEBEZIUM,
        /** A poller locks the oldest rows ({@code FOR UPDATE SKIP LOCKED}), produces and deletes them. */
        POLLING
    }

    /**
     * Settings of the polling relay.
     *
     * @param interval wait between polls after a poll that found less than a full batch
     * @param batchSize the most rows locked, produced and deleted in one poll transaction
     * @param sendTimeout how long a poll waits for Kafka's acknowledgements before it rolls back
     *     (the rows stay and are sent again)
     */
    public record Polling(
            @DefaultValue("10ms") Duration interval,
            @DefaultValue("500") int batchSize,
            @DefaultValue("30s") Duration sendTimeout) {

        public Polling {
            if (batchSize < 1) {
                throw new IllegalArgumentException("polling.batch-size must be positive");
            }
        }
    }

    /**
     * Emits a non-transactional logical decoding message: it enters the WAL stream of every slot
     * regardless of publications (pgoutput forwards messages since PostgreSQL 14), so the slot's
     * position advances without a heartbeat table, without touching the outbox and without
     * leaving rows behind.
     */
    public static final String DEFAULT_HEARTBEAT_QUERY =
            "SELECT pg_logical_emit_message(false, 'tributary-heartbeat', now()::text)";

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public OutboxRelayProperties {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
        name = isBlank(name) ? schema : name;
        source = isBlank(source) ? "/tributary/" + name : source;
        String identifier = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        slotName = isBlank(slotName) ? "tributary_" + identifier : slotName;
        publicationName = isBlank(publicationName) ? "tributary_" + identifier : publicationName;
        offsetTopic = isBlank(offsetTopic) ? "tributary.relay-offsets." + name : offsetTopic;
        producer = producer == null ? Map.of() : Map.copyOf(producer);
        debezium = debezium == null ? Map.of() : Map.copyOf(debezium);
        relayMode = relayMode == null ? RelayMode.DEBEZIUM : relayMode;
        polling = polling == null ? new Polling(Duration.ofMillis(10), 500, Duration.ofSeconds(30)) : polling;
        requireIdentifier("schema", schema);
        requireIdentifier("table", table);
        requireIdentifier("slot-name", slotName);
        requireIdentifier("publication-name", publicationName);
        if (maxBatchSize < 1 || maxQueueSize <= maxBatchSize) {
            throw new IllegalArgumentException("max-queue-size must exceed max-batch-size, both positive");
        }
        if (retentionBatchSize < 1) {
            throw new IllegalArgumentException("retention-batch-size must be positive");
        }
    }

    /**
     * Binds relaxed property names relative to {@code tributary.outbox} (e.g. {@code name},
     * {@code slot-name}, {@code poll-interval=10ms}) and applies every default: the way to build
     * properties outside a Spring application.
     */
    public static OutboxRelayProperties of(Map<String, ?> values) {
        Map<String, Object> prefixed = new LinkedHashMap<>();
        values.forEach((key, value) -> prefixed.put("tributary.outbox." + key, value));
        return new Binder(new MapConfigurationPropertySource(prefixed))
                .bindOrCreate("tributary.outbox", Bindable.of(OutboxRelayProperties.class));
    }

    /** The outbox table, schema-qualified. */
    public String qualifiedTable() {
        return schema + "." + table;
    }

    @Override
    public String name() {
        return Objects.requireNonNull(name);
    }

    @Override
    public String source() {
        return Objects.requireNonNull(source);
    }

    @Override
    public String slotName() {
        return Objects.requireNonNull(slotName);
    }

    @Override
    public String publicationName() {
        return Objects.requireNonNull(publicationName);
    }

    @Override
    public String offsetTopic() {
        return Objects.requireNonNull(offsetTopic);
    }

    /** Hides the password. */
    @Override
    public String toString() {
        return "OutboxRelayProperties[name=" + name + ", table=" + qualifiedTable() + ", slot=" + slotName
                + ", publication=" + publicationName + ", offsetTopic=" + offsetTopic + "]";
    }

    private static boolean isBlank(@Nullable String value) {
        return value == null || value.isBlank();
    }

    private static void requireIdentifier(String property, String value) {
        if (!IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "tributary.outbox." + property + " must be a lower-case SQL identifier, was '" + value + "'");
        }
    }
}
