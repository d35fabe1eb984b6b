package dev.tributary.submission.projection;

import dev.tributary.consumer.OffsetStore;
import dev.tributary.consumer.ReplayStatus;
import dev.tributary.consumer.Replays;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Rebuilds the status projection from the history log (ADR 0007): resets what the projection wrote
 * and replays the log into it. The projection is a pure fold deduplicated on {@code ce_id}, so it
 * needs no replay mode; the handler's default replay is its live apply.
 *
 * <p>The reset keeps the rows the intake wrote (a workflow never disappears from the API, and the
 * intake's idempotency keeps its definition hash): workflows go back to {@code ACCEPTED} with the
 * projected columns cleared (the origin stays: the intake stored it and the replay writes the same),
 * their tasks to {@code WAITING}, and their histories ({@code
 * workflow_event}, which is also the {@code ce_id} dedupe) are deleted. With a timestamp only
 * workflows created at or after it are reset and the log is replayed from {@code offsetsForTimes}:
 * events of older workflows met there are already in their histories and are absorbed by the dedupe.
 */
public class ProjectionRebuild {

    private static final Logger log = LoggerFactory.getLogger(ProjectionRebuild.class);

    private final ProjectionConsumer consumer;
    private final Replays replays;
    private final JdbcTemplate jdbc;

    ProjectionRebuild(
            ProjectionConsumer consumer,
            OffsetStore offsets,
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            Map<String, Object> consumerConfig,
            MeterRegistry meters) {
        this.consumer = consumer;
        this.replays = new Replays(jdbc, transactionManager, offsets, consumerConfig);
        this.jdbc = jdbc;
        replays.registerRemainingGauge(
                meters, consumer, "Records of the history log still to replay in the running rebuild");
    }

    /**
     * Starts a rebuild.
     *
     * @param from rebuild only workflows created at or after it, replaying from it; null for all,
     *     from the beginning of the log
     * @throws dev.tributary.consumer.ReplayRunningException when one runs (on any instance)
     */
    public ReplayStatus start(@Nullable Instant from) {
        return replays.start(consumer, from, () -> reset(from));
    }

    /** The last or running rebuild. */
    public ReplayStatus status() {
        return replays.status(consumer.groupId(), consumer.topic());
    }

    private void reset(@Nullable Instant from) {
        Object[] since = from == null ? new Object[0] : new Object[] {OffsetDateTime.ofInstant(from, ZoneOffset.UTC)};
        String which = from == null ? "" : " AND w.created_at >= ?";
        int events = jdbc.update(
                "DELETE FROM submission.workflow_event e USING submission.workflow w WHERE w.id = e.workflow_id"
                        + which,
                since);
        int tasks = jdbc.update("""
                UPDATE submission.task t SET status = 'WAITING', attempt = 0, updated_at = w.created_at,
                    dispatched_at = NULL, deadline = NULL, started_at = NULL, finished_at = NULL, worker_id = NULL,
                    output = NULL, error_code = NULL, error_message = NULL, error_retryable = NULL,
                    attempts = '[]'::jsonb, compensation = NULL
                FROM submission.workflow w WHERE w.id = t.workflow_id""" + which, since);
        int workflows = jdbc.update("""
                UPDATE submission.workflow w SET status = 'ACCEPTED', updated_at = created_at, started_at = NULL,
                    finished_at = NULL, reason = NULL, failed_task = NULL, compensation = NULL
                WHERE true""" + which, since);
        log.info(
                "projection rebuild resets {} workflow(s), {} task(s) and deletes {} history event(s)",
                workflows,
                tasks,
                events);
    }
}
