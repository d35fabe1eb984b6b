package dev.tributary.submission.intake;

import dev.tributary.events.EventTypes;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.definition.WorkflowSubmission;
import dev.tributary.events.history.WorkflowEvent.Channel;
import dev.tributary.events.history.WorkflowEvent.Origin;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.outbox.OutboxMessage;
import dev.tributary.outbox.OutboxWriter;
import dev.tributary.submission.SubmissionProperties;
import dev.tributary.submission.query.TaskStatus;
import dev.tributary.submission.query.WorkflowQueries;
import dev.tributary.submission.query.WorkflowStatus;
import dev.tributary.submission.query.WorkflowView;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.IntStream;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Stores an accepted workflow idempotently. One transaction writes the workflow row, its task rows
 * and the {@code WorkflowAccepted} outbox row, or nothing at all.
 *
 * <p>Idempotency rests on the primary key: {@code INSERT ... ON CONFLICT DO NOTHING} either
 * inserts, or (after waiting for a concurrent insert of the same id to commit) inserts nothing; the
 * stored definition hash then tells a replay (same definition) from a conflict.
 */
@Component
class WorkflowStore {

    private static final String INSERT_WORKFLOW = "INSERT INTO submission.workflow"
            + " (id, name, status, definition, definition_sha256, task_count, created_at, updated_at, origin)"
            + " VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?::jsonb) ON CONFLICT (id) DO NOTHING";
    private static final String INSERT_TASK = "INSERT INTO submission.task"
            + " (workflow_id, task_id, position, type, status, updated_at) VALUES (?, ?, ?, ?, ?, ?)";

    /** What {@link #accept} did: created a workflow, or found the same one already stored. */
    record Outcome(boolean created, WorkflowView workflow) {}

    private final JdbcTemplate jdbc;
    private final OutboxWriter outbox;
    private final WorkflowQueries queries;
    private final UuidV7 uuids;
    private final Clock clock;
    private final String eventsTopic;

    WorkflowStore(
            JdbcTemplate jdbc,
            OutboxWriter outbox,
            WorkflowQueries queries,
            UuidV7 uuids,
            Clock clock,
            SubmissionProperties properties) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.queries = queries;
        this.uuids = uuids;
        this.clock = clock;
        this.eventsTopic = properties.eventsTopic();
    }

    /**
     * @param origin where the submission came from; carried by the {@code WorkflowAccepted} event
     * @throws WorkflowConflictException when the id is taken by a different definition
     */
    @Transactional
    Outcome accept(WorkflowSubmission submission, Origin origin) {
        String id = submission.id() != null ? submission.id() : uuids.next().toString();
        WorkflowDefinition definition = submission.definition();
        CanonicalDefinition canonical = CanonicalDefinition.of(definition);
        // PostgreSQL keeps microseconds: the event and the row must carry the same instant.
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        OffsetDateTime timestamp = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);

        int inserted = jdbc.update(
                INSERT_WORKFLOW,
                id,
                definition.name(),
                WorkflowStatus.ACCEPTED.name(),
                canonical.json(),
                canonical.sha256(),
                definition.tasks().size(),
                timestamp,
                timestamp,
                // A Kafka origin is stored with the row (the projection writes the same from the
                // event): a replay of the Kafka intake finds the records that already created a
                // workflow by it. An HTTP origin appears once projected, as before.
                origin.channel() == Channel.KAFKA ? EventCodec.json().encodeToString(origin) : null);
        if (inserted == 0) {
            return existing(id, canonical);
        }
        List<TaskDefinition> tasks = definition.tasks();
        List<Integer> positions = IntStream.range(0, tasks.size()).boxed().toList();
        jdbc.batchUpdate(INSERT_TASK, positions, 500, (ps, position) -> {
            TaskDefinition task = tasks.get(position);
            ps.setString(1, id);
            ps.setString(2, task.id().value());
            ps.setInt(3, position);
            ps.setString(4, task.type());
            ps.setString(5, TaskStatus.WAITING.name());
            ps.setObject(6, timestamp);
        });
        WorkflowAccepted event = new WorkflowAccepted(WorkflowId.of(id), definition, now, origin);
        outbox.append(new OutboxMessage(
                uuids.next(),
                eventsTopic,
                id,
                EventTypes.of(WorkflowAccepted.class),
                EventCodec.json().encodeToString(event),
                null));
        return new Outcome(true, WorkflowView.accepted(id, definition, now));
    }

    private Outcome existing(String id, CanonicalDefinition submitted) {
        List<StoredDefinition> stored = jdbc.query(
                "SELECT definition_sha256, definition::text AS definition FROM submission.workflow WHERE id = ?",
                (rs, n) -> new StoredDefinition(rs.getString("definition_sha256"), rs.getString("definition")),
                id);
        if (stored.isEmpty()) {
            // Only possible if the row was deleted between the two statements.
            throw new IllegalStateException("workflow " + id + " conflicted on insert but cannot be read");
        }
        StoredDefinition row = stored.getFirst();
        if (!row.sha256().equals(submitted.sha256())) {
            throw new WorkflowConflictException(
                    id,
                    submitted.differencesFrom(
                            EventCodec.json().readTree(row.json().getBytes(StandardCharsets.UTF_8))));
        }
        WorkflowView view = queries.find(id)
                .orElseThrow(() -> new IllegalStateException("workflow " + id + " vanished while being read"));
        return new Outcome(false, view);
    }

    private record StoredDefinition(String sha256, String json) {}
}
