package dev.tributary.submission.projection;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent.CompensationOutcome;
import dev.tributary.events.history.WorkflowEvent.Origin;
import dev.tributary.submission.intake.CanonicalDefinition;
import dev.tributary.submission.query.TaskAttempt;
import dev.tributary.submission.query.TaskCompensation;
import dev.tributary.submission.query.TaskError;
import dev.tributary.submission.query.TaskStatus;
import dev.tributary.submission.query.WorkflowStatus;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Reads and writes the projected rows: {@code submission.workflow} (status columns),
 * {@code submission.task} and {@code submission.workflow_event}. Runs inside the batch's
 * transaction; every statement is set-based or batched.
 */
class ProjectionStore {

    private static final String UPDATE_WORKFLOW = """
            UPDATE submission.workflow SET status = ?, updated_at = ?, started_at = ?, finished_at = ?,
                reason = ?, failed_task = ?, compensation = ?, origin = COALESCE(?::jsonb, origin)
            WHERE id = ?""";
    private static final String UPDATE_TASK = """
            UPDATE submission.task SET status = ?, attempt = ?, updated_at = ?, dispatched_at = ?, deadline = ?,
                started_at = ?, finished_at = ?, worker_id = ?, output = CASE WHEN ? THEN COALESCE(?::jsonb, output) END,
                error_code = ?, error_message = ?, error_retryable = ?, attempts = ?::jsonb, compensation = ?::jsonb
            WHERE workflow_id = ? AND task_id = ?""";
    private static final String INSERT_WORKFLOW = """
            INSERT INTO submission.workflow (id, name, status, definition, definition_sha256, task_count,
                created_at, updated_at, started_at, finished_at, reason, failed_task, compensation, origin)
            VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)
            ON CONFLICT (id) DO NOTHING""";
    private static final String INSERT_TASK = """
            INSERT INTO submission.task (status, attempt, updated_at, dispatched_at, deadline, started_at,
                finished_at, worker_id, output, error_code, error_message, error_retryable, attempts,
                compensation, workflow_id, task_id, position, type)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?)""";
    private static final String INSERT_EVENT = """
            INSERT INTO submission.workflow_event (workflow_id, ce_id, type, source, time, payload,
                kafka_partition, kafka_offset)
            VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?)
            ON CONFLICT (ce_id) DO NOTHING""";

    /** Rows per JDBC batch. */
    private static final int BATCH = 500;

    private static final EventCodec CODEC = EventCodec.json();

    private final JdbcTemplate jdbc;

    ProjectionStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A change to persist: {@code before} is null when the workflow came from the log. */
    record Save(@Nullable ProjectedWorkflow before, ProjectedWorkflow after) {}

    /** An event to add to a workflow's history. */
    record StoredEvent(
            String workflowId,
            UUID ceId,
            String type,
            String source,
            Instant time,
            String payload,
            int partition,
            long offset) {}

    /** Which of these {@code ce_id}s are already in the history. */
    Set<UUID> knownEventIds(Collection<UUID> ids) {
        Set<UUID> known = new HashSet<>();
        if (ids.isEmpty()) {
            return known;
        }
        jdbc.query(
                con -> {
                    PreparedStatement ps =
                            con.prepareStatement("SELECT ce_id FROM submission.workflow_event WHERE ce_id = ANY(?)");
                    ps.setArray(1, con.createArrayOf("uuid", ids.toArray()));
                    return ps;
                },
                rs -> {
                    known.add(rs.getObject(1, UUID.class));
                });
        return known;
    }

    /**
     * The projected workflows with these ids that exist, with their tasks (outputs not loaded).
     *
     * @param withDefinition ids whose definition is needed too
     */
    Map<String, ProjectedWorkflow> load(Collection<String> ids, Set<String> withDefinition) {
        Map<String, ProjectedWorkflow> loaded = new HashMap<>();
        if (ids.isEmpty()) {
            return loaded;
        }
        Map<String, Map<String, ProjectedTask>> tasks = new HashMap<>();
        jdbc.query(con -> withArray(con, """
                        SELECT workflow_id, task_id, type, status, attempt, updated_at, dispatched_at, deadline,
                            started_at, finished_at, worker_id, error_code, error_message, error_retryable,
                            attempts::text AS attempts, compensation::text AS compensation
                        FROM submission.task WHERE workflow_id = ANY(?) ORDER BY workflow_id, position""", ids), rs -> {
            String code = rs.getString("error_code");
            TaskError error = code == null
                    ? null
                    : new TaskError(code, rs.getString("error_message"), rs.getBoolean("error_retryable"));
            tasks.computeIfAbsent(rs.getString("workflow_id"), id -> new LinkedHashMap<>())
                    .put(
                            rs.getString("task_id"),
                            new ProjectedTask(
                                    rs.getString("type"),
                                    TaskStatus.valueOf(rs.getString("status")),
                                    rs.getInt("attempt"),
                                    instant(rs, "updated_at"),
                                    nullableInstant(rs, "dispatched_at"),
                                    nullableInstant(rs, "deadline"),
                                    nullableInstant(rs, "started_at"),
                                    nullableInstant(rs, "finished_at"),
                                    rs.getString("worker_id"),
                                    null,
                                    error,
                                    attempts(rs.getString("attempts")),
                                    compensation(rs.getString("compensation"))));
        });
        jdbc.query(
                con -> {
                    PreparedStatement ps = con.prepareStatement("""
                            SELECT id, status, created_at, updated_at, started_at, finished_at, reason, failed_task,
                                compensation, CASE WHEN id = ANY(?) THEN definition::text END AS definition
                            FROM submission.workflow WHERE id = ANY(?)""");
                    ps.setArray(1, con.createArrayOf("text", withDefinition.toArray()));
                    ps.setArray(2, con.createArrayOf("text", ids.toArray()));
                    return ps;
                },
                rs -> {
                    String id = rs.getString("id");
                    String definition = rs.getString("definition");
                    String compensation = rs.getString("compensation");
                    loaded.put(
                            id,
                            new ProjectedWorkflow(
                                    id,
                                    WorkflowStatus.valueOf(rs.getString("status")),
                                    instant(rs, "created_at"),
                                    instant(rs, "updated_at"),
                                    nullableInstant(rs, "started_at"),
                                    nullableInstant(rs, "finished_at"),
                                    rs.getString("reason"),
                                    rs.getString("failed_task"),
                                    compensation == null ? null : CompensationOutcome.valueOf(compensation),
                                    null,
                                    tasks.getOrDefault(id, Map.of()),
                                    definition == null
                                            ? null
                                            : EventCodec.json().decode(definition, WorkflowDefinition.class)));
                });
        return loaded;
    }

    /**
     * Writes the changes: new workflows (from the log) with all their tasks, changed workflow rows,
     * changed task rows.
     *
     * @throws DataIntegrityViolationException when a workflow new to this batch was stored by
     *     someone else meanwhile (the intake, concurrently): the batch must be applied again
     */
    void save(List<Save> saves) {
        List<ProjectedWorkflow> inserts = new ArrayList<>();
        List<Object[]> workflowUpdates = new ArrayList<>();
        List<Object[]> taskUpdates = new ArrayList<>();
        for (Save save : saves) {
            ProjectedWorkflow after = save.after();
            ProjectedWorkflow before = save.before();
            if (before == null) {
                inserts.add(after);
                continue;
            }
            if (after.rowDiffersFrom(before)) {
                workflowUpdates.add(new Object[] {
                    after.status().name(),
                    timestamp(after.updatedAt()),
                    timestamp(after.startedAt()),
                    timestamp(after.finishedAt()),
                    after.reason(),
                    after.failedTask(),
                    after.compensation() == null ? null : after.compensation().name(),
                    origin(after.origin()),
                    after.id()
                });
            }
            after.tasks().forEach((taskId, task) -> {
                if (!task.equals(before.tasks().get(taskId))) {
                    List<Object> values = taskValues(task);
                    values.add(8, task.status() == TaskStatus.SUCCEEDED); // keep the stored output
                    values.add(after.id());
                    values.add(taskId);
                    taskUpdates.add(values.toArray());
                }
            });
        }
        insert(inserts);
        if (!workflowUpdates.isEmpty()) {
            int[] types = {
                Types.VARCHAR,
                Types.TIMESTAMP_WITH_TIMEZONE,
                Types.TIMESTAMP_WITH_TIMEZONE,
                Types.TIMESTAMP_WITH_TIMEZONE,
                Types.VARCHAR,
                Types.VARCHAR,
                Types.VARCHAR,
                Types.VARCHAR,
                Types.VARCHAR
            };
            jdbc.batchUpdate(UPDATE_WORKFLOW, workflowUpdates, BATCH, (ps, values) -> bind(ps, values, types));
        }
        if (!taskUpdates.isEmpty()) {
            int[] state = taskTypes();
            int[] types = new int[state.length + 3];
            System.arraycopy(state, 0, types, 0, 8);
            types[8] = Types.BOOLEAN;
            System.arraycopy(state, 8, types, 9, state.length - 8);
            types[state.length + 1] = Types.VARCHAR;
            types[state.length + 2] = Types.VARCHAR;
            jdbc.batchUpdate(UPDATE_TASK, taskUpdates, BATCH, (ps, values) -> bind(ps, values, types));
        }
    }

    /** Inserts workflows that came from the log, with all their tasks, in two batched statements. */
    private void insert(List<ProjectedWorkflow> workflows) {
        if (workflows.isEmpty()) {
            return;
        }
        List<Object[]> workflowRows = new ArrayList<>();
        List<Object[]> taskRows = new ArrayList<>();
        for (ProjectedWorkflow workflow : workflows) {
            WorkflowDefinition definition = workflow.definition();
            if (definition == null) {
                throw new IllegalStateException("workflow " + workflow.id() + " from the log has no definition");
            }
            CanonicalDefinition canonical = CanonicalDefinition.of(definition);
            workflowRows.add(new Object[] {
                workflow.id(),
                definition.name(),
                workflow.status().name(),
                PgText.json(canonical.json()),
                canonical.sha256(),
                definition.tasks().size(),
                timestamp(workflow.createdAt()),
                timestamp(workflow.updatedAt()),
                timestamp(workflow.startedAt()),
                timestamp(workflow.finishedAt()),
                workflow.reason(),
                workflow.failedTask(),
                workflow.compensation() == null ? null : workflow.compensation().name(),
                origin(workflow.origin())
            });
            Set<String> seen = new HashSet<>();
            int position = 0;
            for (TaskDefinition task : definition.tasks()) {
                String taskId = task.id().value();
                if (!seen.add(taskId)) {
                    continue; // an invalid definition from another producer; the scheduler fails it
                }
                ProjectedTask projected = workflow.tasks().get(taskId);
                if (projected == null) {
                    throw new IllegalStateException("task " + taskId + " of " + workflow.id() + " is not projected");
                }
                List<Object> values = taskValues(projected);
                values.add(workflow.id());
                values.add(taskId);
                values.add(position++);
                values.add(task.type());
                taskRows.add(values.toArray());
            }
        }
        int[] workflowTypes = {
            Types.VARCHAR,
            Types.VARCHAR,
            Types.VARCHAR,
            Types.VARCHAR,
            Types.VARCHAR,
            Types.INTEGER,
            Types.TIMESTAMP_WITH_TIMEZONE,
            Types.TIMESTAMP_WITH_TIMEZONE,
            Types.TIMESTAMP_WITH_TIMEZONE,
            Types.TIMESTAMP_WITH_TIMEZONE,
            Types.VARCHAR,
            Types.VARCHAR,
            Types.VARCHAR,
            Types.VARCHAR
        };
        int[][] inserted =
                jdbc.batchUpdate(INSERT_WORKFLOW, workflowRows, BATCH, (ps, values) -> bind(ps, values, workflowTypes));
        int index = 0;
        for (int[] chunk : inserted) {
            for (int count : chunk) {
                // 0: the intake stored the same id after this batch loaded its rows; apply it again.
                if (count == 0) {
                    throw new DataIntegrityViolationException("workflow "
                            + workflows.get(index).id() + " was stored concurrently; applying the batch again");
                }
                index++;
            }
        }
        int[] taskTypes = taskTypes(Types.VARCHAR, Types.VARCHAR, Types.INTEGER, Types.VARCHAR);
        jdbc.batchUpdate(INSERT_TASK, taskRows, BATCH, (ps, values) -> bind(ps, values, taskTypes));
    }

    /** Adds events to the histories; a {@code ce_id} already there is skipped. */
    void insertEvents(List<StoredEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        jdbc.batchUpdate(INSERT_EVENT, events, BATCH, (ps, event) -> {
            ps.setString(1, event.workflowId());
            ps.setObject(2, event.ceId());
            ps.setString(3, event.type());
            ps.setString(4, PgText.text(event.source()));
            ps.setObject(5, timestamp(event.time()));
            ps.setString(6, PgText.json(event.payload()));
            ps.setInt(7, event.partition());
            ps.setLong(8, event.offset());
        });
    }

    /** The fourteen state columns of a task row, in statement order (a mutable list). */
    private static List<Object> taskValues(ProjectedTask task) {
        TaskError error = task.error();
        List<Object> values = new ArrayList<>();
        values.add(task.status().name());
        values.add(task.attempt());
        values.add(timestamp(task.updatedAt()));
        values.add(timestamp(task.dispatchedAt()));
        values.add(timestamp(task.deadline()));
        values.add(timestamp(task.startedAt()));
        values.add(timestamp(task.finishedAt()));
        values.add(task.workerId());
        JsonNode output = task.output();
        values.add(output == null ? null : EventCodec.json().encodeToString(PgText.clean(output)));
        values.add(error == null ? null : error.code());
        values.add(error == null ? null : error.message());
        values.add(error == null ? null : error.retryable());
        values.add(jsonText(task.attempts()));
        TaskCompensation compensation = task.compensation();
        values.add(compensation == null ? null : jsonText(compensation));
        return values;
    }

    /** SQL types of the fourteen task state columns followed by the given key columns' types. */
    private static int[] taskTypes(int... keys) {
        int[] state = {
            Types.VARCHAR,
            Types.INTEGER,
            Types.TIMESTAMP_WITH_TIMEZONE,
            Types.TIMESTAMP_WITH_TIMEZONE,
            Types.TIMESTAMP_WITH_TIMEZONE,
            Types.TIMESTAMP_WITH_TIMEZONE,
            Types.TIMESTAMP_WITH_TIMEZONE,
            Types.VARCHAR,
            Types.VARCHAR,
            Types.VARCHAR,
            Types.VARCHAR,
            Types.BOOLEAN,
            Types.VARCHAR,
            Types.VARCHAR
        };
        int[] types = Arrays.copyOf(state, state.length + keys.length);
        System.arraycopy(keys, 0, types, state.length, keys.length);
        return types;
    }

    /** Binds one row of values; a null is bound with its column's SQL type. */
    private static void bind(PreparedStatement ps, Object[] values, int[] types) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                ps.setNull(i + 1, types[i]);
            } else if (values[i] instanceof String text) {
                ps.setString(i + 1, PgText.text(text));
            } else {
                ps.setObject(i + 1, values[i]);
            }
        }
    }

    /** JSON for a jsonb column; a NUL (which jsonb cannot store) is replaced, as in outputs. */
    private static String jsonText(Object value) {
        String json = CODEC.encodeToString(value);
        return json.contains("\\u0000")
                ? CODEC.encodeToString(PgText.clean(CODEC.mapper().valueToTree(value)))
                : json;
    }

    private static @Nullable String origin(@Nullable Origin origin) {
        return origin == null ? null : jsonText(origin);
    }

    private static List<TaskAttempt> attempts(@Nullable String json) {
        return json == null ? List.of() : Arrays.asList(CODEC.decode(json, TaskAttempt[].class));
    }

    private static @Nullable TaskCompensation compensation(@Nullable String json) {
        return json == null ? null : CODEC.decode(json, TaskCompensation.class);
    }

    private static PreparedStatement withArray(Connection con, String sql, Collection<String> values)
            throws SQLException {
        PreparedStatement ps = con.prepareStatement(sql);
        Array array = con.createArrayOf("text", values.toArray());
        ps.setArray(1, array);
        return ps;
    }

    private static @Nullable OffsetDateTime timestamp(@Nullable Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    private static @Nullable Instant nullableInstant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
