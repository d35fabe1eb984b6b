package dev.tributary.submission.query;

import dev.tributary.events.definition.TaskDefaults;
import dev.tributary.events.definition.WorkflowDefinition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A workflow as the API returns it ({@code POST} and {@code GET /api/v1/workflows/...}): the
 * definition as accepted (durations normalized, e.g. {@code PT60S} reads back as {@code PT1M}),
 * its status and each task's status. Absent optional fields are omitted from the JSON.
 *
 * @param id the workflow id
 * @param name the workflow name
 * @param status the workflow's status
 * @param input the workflow input
 * @param labels the labels (empty when none)
 * @param timeout the workflow deadline, from {@code createdAt}
 * @param taskDefaults retry and timeout for tasks without their own
 * @param createdAt when the submission was accepted (also {@code acceptedAt} of the event)
 * @param updatedAt when the status last changed
 * @param tasks the tasks in submission order
 */
public record WorkflowView(
        String id,
        String name,
        WorkflowStatus status,
        @Nullable JsonNode input,
        Map<String, String> labels,
        @Nullable Duration timeout,
        @Nullable TaskDefaults taskDefaults,
        Instant createdAt,
        Instant updatedAt,
        List<TaskView> tasks) {

    /** A view of a definition with the given statuses. */
    public static WorkflowView of(
            String id,
            WorkflowDefinition definition,
            WorkflowStatus status,
            Function<String, TaskStatus> taskStatus,
            Instant createdAt,
            Instant updatedAt) {
        return new WorkflowView(
                id,
                definition.name(),
                status,
                definition.input(),
                definition.labels(),
                definition.timeout(),
                definition.taskDefaults(),
                createdAt,
                updatedAt,
                definition.tasks().stream()
                        .map(task ->
                                TaskView.of(task, taskStatus.apply(task.id().value())))
                        .toList());
    }

    /** A just-accepted workflow: {@code ACCEPTED}, every task {@code PENDING}. */
    public static WorkflowView accepted(String id, WorkflowDefinition definition, Instant acceptedAt) {
        return of(id, definition, WorkflowStatus.ACCEPTED, taskId -> TaskStatus.PENDING, acceptedAt, acceptedAt);
    }
}
