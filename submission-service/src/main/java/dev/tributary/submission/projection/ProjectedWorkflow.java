package dev.tributary.submission.projection;

import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent.CompensationOutcome;
import dev.tributary.events.history.WorkflowEvent.Origin;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.submission.query.WorkflowStatus;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One workflow's projected status and its tasks'.
 *
 * @param id the workflow id
 * @param status where the workflow stands
 * @param createdAt when it was accepted (never changed by the projection)
 * @param updatedAt when it or one of its tasks last changed, by the time of the event that changed it
 * @param startedAt when the history log showed it accepted
 * @param finishedAt when it succeeded, failed or was cancelled
 * @param reason why it failed or was cancelled
 * @param failedTask the task whose failure ended it, if one did
 * @param compensation what the compensations achieved, once {@code WorkflowFailed} said so
 * @param origin where the workflow came from, as its {@code WorkflowAccepted} said; rows are loaded
 *     without it (it never changes after the acceptance, and the store keeps the stored one)
 * @param tasks every task by id, in submission order (read-only)
 * @param definition the definition, present when the workflow came from the log in this batch
 *     or when a failure needs the task's retry policy; otherwise not loaded
 */
record ProjectedWorkflow(
        String id,
        WorkflowStatus status,
        Instant createdAt,
        Instant updatedAt,
        @Nullable Instant startedAt,
        @Nullable Instant finishedAt,
        @Nullable String reason,
        @Nullable String failedTask,
        @Nullable CompensationOutcome compensation,
        @Nullable Origin origin,
        Map<String, ProjectedTask> tasks,
        @Nullable WorkflowDefinition definition) {

    ProjectedWorkflow {
        Objects.requireNonNull(id, "id");
        tasks = Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
    }

    /** A workflow first seen on the log: RUNNING, every task WAITING. */
    static ProjectedWorkflow accepted(WorkflowAccepted accepted) {
        Instant at = accepted.acceptedAt();
        Map<String, ProjectedTask> tasks = new LinkedHashMap<>();
        for (TaskDefinition task : accepted.definition().tasks()) {
            tasks.putIfAbsent(task.id().value(), ProjectedTask.waiting(task.type(), at));
        }
        return new ProjectedWorkflow(
                accepted.workflowId().value(),
                WorkflowStatus.RUNNING,
                at,
                at,
                at,
                null,
                null,
                null,
                null,
                accepted.origin(),
                tasks,
                accepted.definition());
    }

    /** Whether the columns of the workflow row (not its tasks) differ from another state's. */
    boolean rowDiffersFrom(ProjectedWorkflow other) {
        return status != other.status
                || !updatedAt.equals(other.updatedAt)
                || !Objects.equals(startedAt, other.startedAt)
                || !Objects.equals(finishedAt, other.finishedAt)
                || !Objects.equals(reason, other.reason)
                || !Objects.equals(failedTask, other.failedTask)
                || compensation != other.compensation
                || !Objects.equals(origin, other.origin);
    }

    /** The same workflow with the definition attached (for the retry policy of its tasks). */
    ProjectedWorkflow withDefinition(WorkflowDefinition loaded) {
        return new ProjectedWorkflow(
                id,
                status,
                createdAt,
                updatedAt,
                startedAt,
                finishedAt,
                reason,
                failedTask,
                compensation,
                origin,
                tasks,
                loaded);
    }
}
