package dev.tributary.outbox.relay;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/** The relay's SQL besides the lock: publication setup, retention, and slot lag. */
final class OutboxDatabase {

    private static final Logger log = LoggerFactory.getLogger(OutboxDatabase.class);

    private final JdbcTemplate jdbc;
    private final OutboxRelayProperties properties;

    OutboxDatabase(DataSource dataSource, OutboxRelayProperties properties) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.jdbc.setQueryTimeout(30);
        this.properties = properties;
    }

    /**
     * Creates the publication on the outbox table only, publishing inserts only (so the retention
     * job's deletes never reach Kafka), or adds the table to an existing publication that lacks it.
     * Idempotent; run when the relay starts and by the leader before each engine start.
     */
    void ensurePublication() {
        String publication = properties.publicationName();
        if (!publicationExists()) {
            try {
                jdbc.execute("CREATE PUBLICATION " + publication + " FOR TABLE " + properties.qualifiedTable()
                        + " WITH (publish = 'insert')");
                log.info("Created publication {} on {}", publication, properties.qualifiedTable());
            } catch (org.springframework.dao.DataAccessException e) {
                // another instance created it concurrently: check below
                log.debug("Creating publication {} failed: {}", publication, e.getMessage());
            }
        }
        Integer covered = jdbc.queryForObject(
                "SELECT count(*) FROM pg_publication_tables WHERE pubname = ? AND schemaname = ? AND tablename = ?",
                Integer.class,
                publication,
                properties.schema(),
                properties.table());
        if (covered == null || covered == 0) {
            jdbc.execute("ALTER PUBLICATION " + publication + " ADD TABLE " + properties.qualifiedTable());
            log.info("Added {} to publication {}", properties.qualifiedTable(), publication);
        }
    }

    /**
     * Creates the relay's logical replication slot ({@code pgoutput}) unless it exists. A slot keeps
     * every change committed after its creation until the relay confirms it, so creating it when the
     * service starts, rather than when the engine first runs on the leader moments later, means no
     * outbox row of a fresh installation is committed before the slot and silently never relayed
     * (the engine streams from the slot's position and snapshots no data). Idempotent.
     */
    void ensureSlot() {
        String slot = properties.slotName();
        String existing = "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?";
        Integer found = jdbc.queryForObject(existing, Integer.class, slot);
        if (found != null && found > 0) {
            return;
        }
        try {
            jdbc.queryForList(
                    "SELECT slot_name FROM pg_create_logical_replication_slot(?, 'pgoutput')", String.class, slot);
            log.info("Created replication slot {}", slot);
        } catch (org.springframework.dao.DataAccessException e) {
            // another instance (or the engine) created it concurrently
            found = jdbc.queryForObject(existing, Integer.class, slot);
            if (found == null || found == 0) {
                throw e;
            }
        }
    }

    /** Whether the publication exists. */
    boolean publicationExists() {
        Integer found = jdbc.queryForObject(
                "SELECT count(*) FROM pg_publication WHERE pubname = ?", Integer.class, properties.publicationName());
        return found != null && found > 0;
    }

    /**
     * Deletes, in bounded batches, outbox rows older than the retention that are also no newer than
     * {@code relayedUpTo} (the newest {@code created_at} this relay saw acknowledged).
     *
     * @return the number of rows deleted
     */
    int purge(Instant now, Instant relayedUpTo) {
        Instant cutoff = now.minus(properties.retention());
        String sql = "DELETE FROM " + properties.qualifiedTable() + " WHERE id IN (SELECT id FROM "
                + properties.qualifiedTable()
                + " WHERE created_at < ? AND created_at <= ? ORDER BY created_at LIMIT ?)";
        int total = 0;
        while (true) {
            int deleted = jdbc.update(
                    sql,
                    cutoff.atOffset(ZoneOffset.UTC),
                    relayedUpTo.atOffset(ZoneOffset.UTC),
                    properties.retentionBatchSize());
            total += deleted;
            if (deleted < properties.retentionBatchSize()) {
                return total;
            }
        }
    }

    /** WAL bytes the slot has not confirmed yet, or null when the slot does not exist. */
    @Nullable
    Long slotLagBytes() {
        List<Long> lag = jdbc.queryForList(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots"
                        + " WHERE slot_name = ? AND confirmed_flush_lsn IS NOT NULL",
                Long.class,
                properties.slotName());
        return lag.isEmpty() ? null : lag.getFirst();
    }
}
