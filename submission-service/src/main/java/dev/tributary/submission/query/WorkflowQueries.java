package dev.tributary.submission.query;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.WorkflowDefinition;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** Reads workflows and their task statuses from the {@code submission} schema. */
@Component
public class WorkflowQueries {

    private final JdbcTemplate jdbc;

    WorkflowQueries(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The workflow with this id, if there is one. Joins the caller's transaction, if any. */
    @Transactional(readOnly = true)
    public Optional<WorkflowView> find(String workflowId) {
        List<Row> rows = jdbc.query(
                "SELECT status, definition::text AS definition, created_at, updated_at"
                        + " FROM submission.workflow WHERE id = ?",
                (rs, n) -> new Row(
                        WorkflowStatus.valueOf(rs.getString("status")),
                        rs.getString("definition"),
                        rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                        rs.getObject("updated_at", OffsetDateTime.class).toInstant()),
                workflowId);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Row row = rows.getFirst();
        Map<String, TaskStatus> taskStatuses = new HashMap<>();
        jdbc.query(
                "SELECT task_id, status FROM submission.task WHERE workflow_id = ?",
                rs -> {
                    taskStatuses.put(rs.getString("task_id"), TaskStatus.valueOf(rs.getString("status")));
                },
                workflowId);
        WorkflowDefinition definition = EventCodec.json().decode(row.definition(), WorkflowDefinition.class);
        return Optional.of(WorkflowView.of(
                workflowId,
                definition,
                row.status(),
                taskId -> taskStatuses.getOrDefault(taskId, TaskStatus.PENDING),
                row.createdAt(),
                row.updatedAt()));
    }

    private record Row(WorkflowStatus status, String definition, Instant createdAt, Instant updatedAt) {}
}
