package dev.tributary.scheduler.history;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tributary.events.EventTypes;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.scheduler.dag.Dag;
import dev.tributary.scheduler.dag.Failure;
import dev.tributary.scheduler.dag.TaskError;
import dev.tributary.scheduler.dag.TaskState;
import dev.tributary.scheduler.dag.TaskStatus;
import dev.tributary.scheduler.dag.WorkflowRun;
import dev.tributary.scheduler.dag.WorkflowStatus;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.JsonNode;

/**
 * Loads and saves runs: one {@code workflow_run} row per workflow (definition written once, task
 * and compensation states as one jsonb document, an optimistic version) and {@code task_output}
 * rows (written once per succeeded attempt).
 * Every method works on a whole batch of workflows with a constant number of statements.
 */
@Repository
class RunRepository {

    private final JdbcTemplate jdbc;
    private final EventCodec codec = EventCodec.json();

    RunRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A run as loaded, with the version its update must match. */
    record Loaded(WorkflowRun run, long version) {}

    /** A run to write: {@code previous} is null for a new run. */
    record Save(WorkflowRun run, @Nullable Loaded previous) {}

    /**
     * The {@code state} document: what changes after acceptance, plus the acceptance time at full
     * precision ({@code accepted_at} keeps microseconds only, for queries). The fields after {@code
     * tasks} came with failure semantics (issue 5) and are optional, so documents written before
     * them load with their defaults: no compensations, no failure, no reruns, running since
     * acceptance. They are left out when they hold their default.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record StoredState(
            Instant acceptedAt,
            LinkedHashMap<String, StoredTask> tasks,
            @Nullable LinkedHashMap<String, StoredTask> compensations,
            @Nullable Failure failure,
            @Nullable Failure compensationFailure,
            @Nullable Integer reruns,
            @Nullable Instant runningSince,
            @Nullable LinkedHashMap<String, Integer> compensationAttempts) {}

    /** The stored form of one task's state; the output lives in {@code task_output}. */
    record StoredTask(
            TaskStatus status,
            int attempt,
            boolean logged,
            @Nullable TaskError error,
            @Nullable Instant startBy,
            @Nullable Instant deadline,
            @Nullable Instant retryAt) {}

    Map<WorkflowId, Loaded> load(Collection<WorkflowId> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        String[] keys = ids.stream().map(WorkflowId::value).toArray(String[]::new);
        Map<String, Map<TaskId, JsonNode>> outputs = new HashMap<>();
        jdbc.query(
                "SELECT workflow_id, task_id, output::text AS output FROM scheduler.task_output"
                        + " WHERE workflow_id = ANY(?)",
                ps -> ps.setArray(1, textArray(ps.getConnection(), keys)),
                rs -> {
                    String output = rs.getString("output");
                    outputs.computeIfAbsent(rs.getString("workflow_id"), k -> new HashMap<>())
                            .put(
                                    TaskId.of(rs.getString("task_id")),
                                    output == null ? null : codec.readTree(bytes(output)));
                });
        Map<WorkflowId, Loaded> runs = new HashMap<>();
        jdbc.query("""
                SELECT workflow_id, status, definition::text AS definition, state::text AS state,
                       outcome_type, outcome::text AS outcome, outcome_logged, version
                FROM scheduler.workflow_run WHERE workflow_id = ANY(?)
                """, ps -> ps.setArray(1, textArray(ps.getConnection(), keys)), rs -> {
            Loaded loaded = read(rs, outputs.getOrDefault(rs.getString("workflow_id"), Map.of()));
            runs.put(loaded.run().id(), loaded);
        });
        return runs;
    }

    /**
     * Inserts new runs, updates changed ones (failing on a version conflict), adds outputs.
     *
     * @return the runs as now stored, with their new versions
     */
    List<Loaded> saveAll(List<Save> saves) {
        List<Save> inserts = saves.stream().filter(s -> s.previous() == null).toList();
        List<Save> updates = saves.stream().filter(s -> s.previous() != null).toList();
        if (!inserts.isEmpty()) {
            jdbc.batchUpdate("""
                    INSERT INTO scheduler.workflow_run (workflow_id, status, definition, accepted_at, state,
                        outcome_type, outcome, outcome_logged, version)
                    VALUES (?, ?, ?::jsonb, ?, ?::jsonb, ?, ?::jsonb, ?, 0)
                    """, inserts, inserts.size(), (ps, save) -> {
                WorkflowRun run = save.run();
                ps.setString(1, run.id().value());
                ps.setString(2, run.status().name());
                ps.setString(3, codec.encodeToString(run.dag().definition()));
                ps.setObject(4, OffsetDateTime.ofInstant(run.acceptedAt(), ZoneOffset.UTC));
                ps.setString(5, stateJson(run));
                ps.setString(6, outcomeType(run));
                ps.setString(7, outcomeJson(run));
                ps.setBoolean(8, run.outcomeLogged());
            });
        }
        if (!updates.isEmpty()) {
            int[][] counts = jdbc.batchUpdate("""
                    UPDATE scheduler.workflow_run SET status = ?, state = ?::jsonb, outcome_type = ?,
                        outcome = ?::jsonb, outcome_logged = ?, version = version + 1, updated_at = now()
                    WHERE workflow_id = ? AND version = ?
                    """, updates, updates.size(), (ps, save) -> {
                WorkflowRun run = save.run();
                ps.setString(1, run.status().name());
                ps.setString(2, stateJson(run));
                ps.setString(3, outcomeType(run));
                ps.setString(4, outcomeJson(run));
                ps.setBoolean(5, run.outcomeLogged());
                ps.setString(6, run.id().value());
                ps.setLong(7, save.previous().version());
            });
            for (int[] batch : counts) {
                for (int count : batch) {
                    if (count == 0) {
                        throw new OptimisticLockingFailureException(
                                "a workflow run changed concurrently; another consumer holds its partition");
                    }
                }
            }
        }
        insertOutputs(saves);
        List<Loaded> saved = new ArrayList<>(saves.size());
        for (Save save : saves) {
            Loaded previous = save.previous();
            saved.add(new Loaded(save.run(), previous == null ? 0 : previous.version() + 1));
        }
        return saved;
    }

    private void insertOutputs(List<Save> saves) {
        record Output(WorkflowId workflowId, TaskId taskId, TaskState state) {}
        List<Output> outputs = new ArrayList<>();
        for (Save save : saves) {
            save.run().tasks().forEach((taskId, state) -> {
                if (state.status() == TaskStatus.SUCCEEDED) {
                    TaskState before = save.previous() == null
                            ? null
                            : save.previous().run().tasks().get(taskId);
                    if (before == null || before.status() != TaskStatus.SUCCEEDED) {
                        outputs.add(new Output(save.run().id(), taskId, state));
                    }
                }
            });
        }
        if (outputs.isEmpty()) {
            return;
        }
        jdbc.batchUpdate(
                // A repeated save changes nothing; the output of a later attempt (a task that ran
                // again after a rerun) replaces the earlier one.
                "INSERT INTO scheduler.task_output AS o (workflow_id, task_id, attempt, output)"
                        + " VALUES (?, ?, ?, ?::jsonb) ON CONFLICT (workflow_id, task_id) DO UPDATE"
                        + " SET attempt = EXCLUDED.attempt, output = EXCLUDED.output WHERE o.attempt < EXCLUDED.attempt",
                outputs,
                outputs.size(),
                (ps, output) -> {
                    ps.setString(1, output.workflowId().value());
                    ps.setString(2, output.taskId().value());
                    ps.setInt(3, output.state().attempt());
                    JsonNode value = output.state().output();
                    ps.setString(4, value == null ? null : codec.encodeToString(value));
                });
    }

    private Loaded read(ResultSet rs, Map<TaskId, JsonNode> outputs) throws SQLException {
        WorkflowId id = WorkflowId.of(rs.getString("workflow_id"));
        WorkflowDefinition definition = codec.decode(rs.getString("definition"), WorkflowDefinition.class);
        Dag dag = Dag.of(definition);
        StoredState state = codec.decode(rs.getString("state"), StoredState.class);
        Map<String, StoredTask> stored = state.tasks();
        Map<TaskId, TaskState> tasks = new LinkedHashMap<>();
        for (TaskId taskId : dag.tasks().keySet()) {
            StoredTask task = stored.get(taskId.value());
            tasks.put(
                    taskId,
                    task == null
                            ? TaskState.waiting()
                            // A rerun task keeps its row in task_output until it succeeds again.
                            : toState(task, task.status() == TaskStatus.SUCCEEDED ? outputs.get(taskId) : null));
        }
        Map<TaskId, TaskState> compensations = new LinkedHashMap<>();
        if (state.compensations() != null) {
            state.compensations().forEach((taskId, task) -> compensations.put(TaskId.of(taskId), toState(task, null)));
        }
        Map<TaskId, Integer> compensationAttempts = new LinkedHashMap<>();
        if (state.compensationAttempts() != null) {
            state.compensationAttempts()
                    .forEach((taskId, attempt) -> compensationAttempts.put(TaskId.of(taskId), attempt));
        }
        String outcomeType = rs.getString("outcome_type");
        String outcomeJson = rs.getString("outcome");
        WorkflowEvent outcome =
                outcomeType == null || outcomeJson == null ? null : codec.decodeEvent(outcomeType, bytes(outcomeJson));
        WorkflowRun run = new WorkflowRun(
                id,
                dag,
                state.acceptedAt(),
                WorkflowStatus.valueOf(rs.getString("status")),
                tasks,
                outcome,
                rs.getBoolean("outcome_logged"),
                compensations,
                state.failure(),
                state.compensationFailure(),
                state.reruns() == null ? 0 : state.reruns(),
                state.runningSince() == null ? state.acceptedAt() : state.runningSince(),
                compensationAttempts);
        return new Loaded(run, rs.getLong("version"));
    }

    private static TaskState toState(StoredTask task, @Nullable JsonNode output) {
        return new TaskState(
                task.status(),
                task.attempt(),
                task.logged(),
                output,
                task.error(),
                task.startBy(),
                task.deadline(),
                task.retryAt());
    }

    private static StoredTask toStored(TaskState task) {
        return new StoredTask(
                task.status(),
                task.attempt(),
                task.dispatchLogged(),
                task.lastError(),
                task.startBy(),
                task.deadline(),
                task.retryAt());
    }

    private String stateJson(WorkflowRun run) {
        LinkedHashMap<String, StoredTask> stored = new LinkedHashMap<>();
        run.tasks().forEach((taskId, task) -> stored.put(taskId.value(), toStored(task)));
        LinkedHashMap<String, StoredTask> compensations = new LinkedHashMap<>();
        run.compensations().forEach((taskId, task) -> compensations.put(taskId.value(), toStored(task)));
        LinkedHashMap<String, Integer> compensationAttempts = new LinkedHashMap<>();
        run.compensationAttempts().forEach((taskId, attempt) -> compensationAttempts.put(taskId.value(), attempt));
        return codec.encodeToString(new StoredState(
                run.acceptedAt(),
                stored,
                compensations.isEmpty() ? null : compensations,
                run.failure(),
                run.compensationFailure(),
                run.reruns() == 0 ? null : run.reruns(),
                run.runningSince().equals(run.acceptedAt()) ? null : run.runningSince(),
                compensationAttempts.isEmpty() ? null : compensationAttempts));
    }

    private static @Nullable String outcomeType(WorkflowRun run) {
        WorkflowEvent outcome = run.outcome();
        return outcome == null ? null : EventTypes.of(outcome.getClass());
    }

    private @Nullable String outcomeJson(WorkflowRun run) {
        WorkflowEvent outcome = run.outcome();
        return outcome == null ? null : codec.encodeToString(outcome);
    }

    private static Array textArray(java.sql.Connection connection, String[] values) throws SQLException {
        return connection.createArrayOf("text", values);
    }

    private static byte[] bytes(String json) {
        return json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
