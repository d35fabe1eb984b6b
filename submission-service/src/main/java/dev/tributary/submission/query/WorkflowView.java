package dev.tributary.submission.query;

import dev.tributary.events.definition.TaskDefaults;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent.CompensationOutcome;
import dev.tributary.events.history.WorkflowEvent.Origin;
import dev.tributary.submission.query.TaskView.TaskProgress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A workflow as the API returns it ({@code POST} and {@code GET /api/v1/workflows/...}): the
 * definition as accepted (durations normalized, e.g. {@code PT60S} reads back as {@code PT1M}),
 * its live status and each task's, projected from the history log. Absent optional fields are
 * omitted from the JSON.
 *
 * @param id the workflow id
 * @param name the workflow name
 * @param status the workflow's status
 * @param input the workflow input
 * @param labels the labels (empty when none)
 * @param timeout the workflow deadline, from {@code createdAt}
 * @param taskDefaults retry and timeout for tasks without their own
 * @param createdAt when the submission was accepted (also {@code acceptedAt} of the event)
 * @param updatedAt when the workflow or one of its tasks last changed status
 * @param startedAt when the history log showed it accepted (it became {@code RUNNING})
 * @param finishedAt when it succeeded, failed or was cancelled
 * @param reason why it failed or was cancelled
 * @param failedTask the task whose failure ended it (or started its compensation), if one did
 * @param compensation what the compensations achieved ({@code NONE}, {@code COMPENSATED} or {@code
 *     COMPENSATION_FAILED}), once the workflow failed
 * @param origin where the submission came from: {@code channel} HTTP or KAFKA with {@code topic},
 *     {@code partition} and {@code offset} (absent for workflows accepted before origins were
 *     recorded)
 * @param waitingOn tasks released to workers that no worker has started yet, with their type
 *     (empty when none)
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
        @Nullable Instant startedAt,
        @Nullable Instant finishedAt,
        @Nullable String reason,
        @Nullable String failedTask,
        @Nullable CompensationOutcome compensation,
        @Nullable Origin origin,
        List<WaitingTask> waitingOn,
        List<TaskView> tasks) {

    /** The projected part of a workflow (its row in {@code submission.workflow}). */
    record Progress(
            WorkflowStatus status,
            Instant createdAt,
            Instant updatedAt,
            @Nullable Instant startedAt,
            @Nullable Instant finishedAt,
            @Nullable String reason,
            @Nullable String failedTask,
            @Nullable CompensationOutcome compensation,
            @Nullable Origin origin) {}

    static WorkflowView of(
            String id, WorkflowDefinition definition, Progress progress, Function<String, TaskProgress> taskProgress) {
        List<TaskView> tasks = definition.tasks().stream()
                .map(task -> TaskView.of(task, taskProgress.apply(task.id().value())))
                .toList();
        List<WaitingTask> waitingOn = tasks.stream()
                .filter(task -> task.status() == TaskStatus.DISPATCHED)
                .map(task -> new WaitingTask(
                        task.id(),
                        task.type(),
                        task.attempt(),
                        Objects.requireNonNullElse(task.dispatchedAt(), task.updatedAt())))
                .toList();
        return new WorkflowView(
                id,
                definition.name(),
                progress.status(),
                definition.input(),
                definition.labels(),
                definition.timeout(),
                definition.taskDefaults(),
                progress.createdAt(),
                progress.updatedAt(),
                progress.startedAt(),
                progress.finishedAt(),
                progress.reason(),
                progress.failedTask(),
                progress.compensation(),
                progress.origin(),
                waitingOn,
                tasks);
    }

    /** A just-accepted workflow: {@code ACCEPTED}, every task {@code WAITING}. */
    public static WorkflowView accepted(String id, WorkflowDefinition definition, Instant acceptedAt) {
        TaskProgress waiting = TaskProgress.waiting(acceptedAt);
        return of(
                id,
                definition,
                new Progress(WorkflowStatus.ACCEPTED, acceptedAt, acceptedAt, null, null, null, null, null, null),
                taskId -> waiting);
    }
}
