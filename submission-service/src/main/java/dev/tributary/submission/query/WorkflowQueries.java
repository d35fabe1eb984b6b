package dev.tributary.submission.query;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent.CompensationOutcome;
import dev.tributary.events.history.WorkflowEvent.Origin;
import dev.tributary.submission.query.TaskView.TaskProgress;
import dev.tributary.submission.query.WorkflowView.Progress;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads workflows, their live task statuses and their histories from the {@code submission}
 * schema (the rows the intake writes and the status projection keeps up to date).
 */
@Component
public class WorkflowQueries {

    private static final EventCodec CODEC = EventCodec.json();

    private final JdbcTemplate jdbc;

    WorkflowQueries(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The workflow with this id, if there is one. Joins the caller's transaction, if any; on its
     * own it reads one snapshot, so the workflow and its tasks are of the same projected moment.
     */
    @Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
    public Optional<WorkflowView> find(String workflowId) {
        List<Row> rows = jdbc.query(
                """
                SELECT status, definition::text AS definition, created_at, updated_at, started_at, finished_at,
                    reason, failed_task, compensation, origin::text AS origin
                FROM submission.workflow WHERE id = ?""",
                (rs, n) -> new Row(
                        rs.getString("definition"),
                        new Progress(
                                WorkflowStatus.valueOf(rs.getString("status")),
                                instant(rs, "created_at"),
                                instant(rs, "updated_at"),
                                nullableInstant(rs, "started_at"),
                                nullableInstant(rs, "finished_at"),
                                rs.getString("reason"),
                                rs.getString("failed_task"),
                                outcome(rs.getString("compensation")),
                                origin(rs.getString("origin")))),
                workflowId);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Row row = rows.getFirst();
        Map<String, TaskProgress> tasks = new HashMap<>();
        jdbc.query(
                """
                SELECT task_id, status, attempt, dispatched_at, deadline, started_at, finished_at, worker_id,
                    output::text AS output, error_code, error_message, error_retryable, updated_at,
                    attempts::text AS attempts, compensation::text AS compensation
                FROM submission.task WHERE workflow_id = ?""",
                rs -> {
                    String code = rs.getString("error_code");
                    String output = rs.getString("output");
                    tasks.put(
                            rs.getString("task_id"),
                            new TaskProgress(
                                    TaskStatus.valueOf(rs.getString("status")),
                                    rs.getInt("attempt"),
                                    nullableInstant(rs, "dispatched_at"),
                                    nullableInstant(rs, "deadline"),
                                    nullableInstant(rs, "started_at"),
                                    nullableInstant(rs, "finished_at"),
                                    rs.getString("worker_id"),
                                    output == null ? null : json(output),
                                    code == null
                                            ? null
                                            : new TaskError(
                                                    code,
                                                    rs.getString("error_message"),
                                                    rs.getBoolean("error_retryable")),
                                    attempts(rs.getString("attempts")),
                                    compensation(rs.getString("compensation")),
                                    instant(rs, "updated_at")));
                },
                workflowId);
        WorkflowDefinition definition = CODEC.decode(row.definition(), WorkflowDefinition.class);
        Progress progress = row.progress();
        TaskProgress missing = TaskProgress.waiting(progress.createdAt());
        return Optional.of(
                WorkflowView.of(workflowId, definition, progress, taskId -> tasks.getOrDefault(taskId, missing)));
    }

    /**
     * A page of workflows, newest first ({@code createdAt}, then id, both descending), filtered.
     * Every filter is served by an index in the same order, so a page costs one index range scan.
     */
    @Transactional(readOnly = true)
    WorkflowPage list(WorkflowListQuery query) {
        StringBuilder sql = new StringBuilder("""
                SELECT id, name, status, (definition -> 'labels')::text AS labels, task_count, created_at,
                    updated_at, started_at, finished_at, reason, compensation
                FROM submission.workflow WHERE true""");
        List<Binder> binders = new ArrayList<>();
        if (!query.statuses().isEmpty()) {
            sql.append(" AND status = ANY(?)");
            String[] names = query.statuses().stream().map(Enum::name).toArray(String[]::new);
            binders.add((ps, i) -> ps.setArray(i, ps.getConnection().createArrayOf("text", names)));
        }
        String name = query.name();
        if (name != null) {
            sql.append(" AND name = ?");
            binders.add((ps, i) -> ps.setString(i, name));
        }
        for (Map.Entry<String, String> label : query.labels()) {
            sql.append(" AND (definition -> 'labels') @> ?::jsonb");
            ObjectNode match = CODEC.mapper().createObjectNode().put(label.getKey(), label.getValue());
            String json = CODEC.encodeToString(match);
            binders.add((ps, i) -> ps.setString(i, json));
        }
        PageCursor after = query.after();
        if (after != null) {
            sql.append(" AND (created_at, id) < (?, ?)");
            OffsetDateTime createdAt = OffsetDateTime.ofInstant(after.createdAt(), ZoneOffset.UTC);
            binders.add((ps, i) -> ps.setObject(i, createdAt));
            binders.add((ps, i) -> ps.setString(i, after.id()));
        }
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
        int fetch = query.limit() + 1; // one more tells whether there is a next page
        binders.add((ps, i) -> ps.setInt(i, fetch));
        List<WorkflowSummary> items = jdbc.query(
                con -> {
                    PreparedStatement ps = con.prepareStatement(sql.toString());
                    for (int i = 0; i < binders.size(); i++) {
                        binders.get(i).bind(ps, i + 1);
                    }
                    return ps;
                },
                (rs, n) -> new WorkflowSummary(
                        rs.getString("id"),
                        rs.getString("name"),
                        WorkflowStatus.valueOf(rs.getString("status")),
                        labels(rs.getString("labels")),
                        rs.getInt("task_count"),
                        instant(rs, "created_at"),
                        instant(rs, "updated_at"),
                        nullableInstant(rs, "started_at"),
                        nullableInstant(rs, "finished_at"),
                        rs.getString("reason"),
                        outcome(rs.getString("compensation"))));
        if (items.size() <= query.limit()) {
            return new WorkflowPage(items, null);
        }
        List<WorkflowSummary> page = List.copyOf(items.subList(0, query.limit()));
        WorkflowSummary last = page.getLast();
        return new WorkflowPage(page, new PageCursor(last.createdAt(), last.id()).encode());
    }

    /** The workflow's history in log order, or empty when there is no such workflow. */
    @Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
    public Optional<List<HistoryEntry>> history(String workflowId) {
        Boolean exists = jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM submission.workflow WHERE id = ?)", Boolean.class, workflowId);
        if (!Boolean.TRUE.equals(exists)) {
            return Optional.empty();
        }
        return Optional.of(jdbc.query(
                """
                SELECT ce_id, type, source, time, payload::text AS payload
                FROM submission.workflow_event WHERE workflow_id = ? ORDER BY seq""",
                (rs, n) -> new HistoryEntry(
                        rs.getString("ce_id"),
                        rs.getString("type"),
                        rs.getString("source"),
                        instant(rs, "time"),
                        json(rs.getString("payload"))),
                workflowId));
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps, int index) throws SQLException;
    }

    private static Map<String, String> labels(@Nullable String json) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (json != null) {
            json(json)
                    .properties()
                    .forEach(
                            entry -> labels.put(entry.getKey(), entry.getValue().asString()));
        }
        return labels;
    }

    private static @Nullable CompensationOutcome outcome(@Nullable String name) {
        return name == null ? null : CompensationOutcome.valueOf(name);
    }

    private static @Nullable Origin origin(@Nullable String json) {
        return json == null ? null : CODEC.decode(json, Origin.class);
    }

    private static List<TaskAttempt> attempts(@Nullable String json) {
        return json == null ? List.of() : List.of(CODEC.decode(json, TaskAttempt[].class));
    }

    private static @Nullable TaskCompensation compensation(@Nullable String json) {
        return json == null ? null : CODEC.decode(json, TaskCompensation.class);
    }

    private static JsonNode json(String text) {
        return CODEC.readTree(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    private static @Nullable Instant nullableInstant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private record Row(String definition, Progress progress) {}
}
