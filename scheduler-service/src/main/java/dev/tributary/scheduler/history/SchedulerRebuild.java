package dev.tributary.scheduler.history;

import dev.tributary.consumer.OffsetStore;
import dev.tributary.consumer.ReplayStatus;
import dev.tributary.consumer.Replays;
import dev.tributary.outbox.relay.OutboxRelayProperties;
import dev.tributary.outbox.relay.OutboxRelayProperties.RelayMode;
import dev.tributary.scheduler.SchedulerProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Rebuilds the scheduler state ({@code workflow_run}, {@code task_output}, {@code timer}; not the
 * outbox) from the history log (ADR 0007): stops the local history consumer, waits (bounded) until
 * the decisions already in the outbox are on the log, then in one transaction wipes the state and
 * rewinds every partition of the group to the beginning with the end offsets as barrier, and
 * restarts the consumer. Below the barrier the consumer replays (decisions dropped); each partition
 * then persists its active runs' pending decisions ({@link HistoryBatchProcessor#caughtUp}) and
 * continues live. Workflows accepted meanwhile land above the barrier and are processed live as
 * soon as their partition caught up.
 */
@Component
public class SchedulerRebuild {

    private static final Logger log = LoggerFactory.getLogger(SchedulerRebuild.class);

    private final HistoryConsumer consumer;
    private final Replays replays;
    private final JdbcTemplate jdbc;
    private final SchedulerProperties.Rebuild settings;
    private final OutboxRelayProperties outbox;

    SchedulerRebuild(
            HistoryConsumer consumer,
            OffsetStore offsets,
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            KafkaProperties kafka,
            SchedulerProperties properties,
            OutboxRelayProperties outbox,
            MeterRegistry meters) {
        this.consumer = consumer;
        this.replays = new Replays(jdbc, transactionManager, offsets, kafka.buildConsumerProperties());
        this.jdbc = jdbc;
        this.settings = properties.rebuild();
        this.outbox = outbox;
        replays.registerRemainingGauge(
                meters, consumer, "Records of the history log still to replay in the running rebuild");
    }

    /**
     * Starts a rebuild.
     *
     * @throws dev.tributary.consumer.ReplayRunningException when one runs (on any instance)
     */
    public ReplayStatus start() {
        return replays.start(consumer, null, new Replays.Preparation() {
            @Override
            public void beforeBarrier() {
                awaitRelayed();
            }

            @Override
            public void wipe() {
                int runs = jdbc.update("DELETE FROM scheduler.workflow_run");
                jdbc.update("DELETE FROM scheduler.task_output");
                int timers = jdbc.update("DELETE FROM scheduler.timer");
                log.info("rebuild wipes {} workflow run(s) and {} timer(s)", runs, timers);
            }
        });
    }

    /** The last or running rebuild. */
    public ReplayStatus status() {
        return replays.status(consumer.groupId(), consumer.topic());
    }

    /**
     * Waits until what this service's outbox held when the consumer stopped is relayed, so that the
     * barrier covers every decision already taken: with the Debezium relay until its replication
     * slot confirmed the current WAL position (its heartbeat moves it while the outbox is quiet),
     * with the polling relay until those rows are gone. No slot (relay elsewhere not set up): no wait.
     */
    private void awaitRelayed() {
        BooleanSupplier relayed;
        if (outbox.relayMode() == RelayMode.POLLING) {
            OffsetDateTime cutoff = jdbc.queryForObject("SELECT now()", OffsetDateTime.class);
            relayed = () -> !Boolean.TRUE.equals(jdbc.queryForObject(
                    "SELECT EXISTS (SELECT 1 FROM " + outbox.qualifiedTable() + " WHERE created_at <= ?)",
                    Boolean.class,
                    cutoff));
        } else {
            String lsn = jdbc.queryForObject("SELECT pg_current_wal_lsn()::text", String.class);
            List<Boolean> slot = jdbc.queryForList(
                    "SELECT coalesce(confirmed_flush_lsn >= ?::pg_lsn, false) FROM pg_replication_slots"
                            + " WHERE slot_name = ? AND database = current_database()",
                    Boolean.class,
                    lsn,
                    outbox.slotName());
            if (slot.isEmpty()) {
                log.info("rebuild: no replication slot {}, not waiting for the relay", outbox.slotName());
                return;
            }
            relayed = () -> Boolean.TRUE.equals(jdbc.queryForObject(
                    "SELECT coalesce(bool_and(confirmed_flush_lsn >= ?::pg_lsn), true) FROM pg_replication_slots"
                            + " WHERE slot_name = ? AND database = current_database()",
                    Boolean.class,
                    lsn,
                    outbox.slotName()));
        }
        Instant begin = Instant.now();
        Instant deadline = begin.plus(settings.relayWait());
        while (!relayed.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                log.warn(
                        "rebuild: the outbox is not relayed after {}; going on (decisions relayed later are"
                                + " re-issued once more, same attempt)",
                        settings.relayWait());
                return;
            }
            pause(settings.relayCheckInterval());
        }
        log.info(
                "rebuild: the outbox written so far is relayed (waited {} ms)",
                Duration.between(begin, Instant.now()).toMillis());
    }

    /** The relay's progress lives in PostgreSQL, which offers nothing to block on: check again later. */
    private static void pause(Duration interval) {
        try {
            Thread.sleep(interval);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the outbox relay", e);
        }
    }
}
