package dev.tributary.submission.query;

import dev.tributary.events.definition.Compensation;
import dev.tributary.events.definition.RetryPolicy;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.TaskTimeout;
import dev.tributary.events.ids.TaskId;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One task of a workflow as the API returns it: its definition as accepted plus its live status
 * from the history log. Absent optional fields are omitted from the JSON.
 *
 * @param id the task id
 * @param type the handler type (a {@code DISPATCHED} task waits for a worker of this type)
 * @param status the task's status
 * @param attempt the latest attempt (1-based; 0 before the first release)
 * @param dependsOn ids of the tasks it waits for (empty when none)
 * @param input its static input
 * @param retry its own retry policy
 * @param timeout its own timeouts
 * @param compensation its compensation
 * @param dispatchedAt when the scheduler released the attempt
 * @param deadline when the attempt times out, if a timeout is set
 * @param startedAt when a worker started the attempt
 * @param finishedAt when the attempt succeeded, failed or timed out
 * @param workerId the worker that started or finished the attempt
 * @param output the output of the succeeded attempt
 * @param error why the latest failed attempt failed (kept while a retry runs)
 * @param attempts every attempt of the task and of its compensation, in log order (empty before
 *     the first release)
 * @param compensationProgress where its compensation stands, when the workflow compensates (or
 *     compensated) it
 * @param updatedAt when the status last changed
 */
public record TaskView(
        String id,
        String type,
        TaskStatus status,
        int attempt,
        List<String> dependsOn,
        @Nullable JsonNode input,
        @Nullable RetryPolicy retry,
        @Nullable TaskTimeout timeout,
        @Nullable Compensation compensation,
        @Nullable Instant dispatchedAt,
        @Nullable Instant deadline,
        @Nullable Instant startedAt,
        @Nullable Instant finishedAt,
        @Nullable String workerId,
        @Nullable JsonNode output,
        @Nullable TaskError error,
        List<TaskAttempt> attempts,
        @Nullable TaskCompensation compensationProgress,
        Instant updatedAt) {

    static TaskView of(TaskDefinition task, TaskProgress progress) {
        return new TaskView(
                task.id().value(),
                task.type(),
                progress.status(),
                progress.attempt(),
                task.dependencies().stream().map(TaskId::value).toList(),
                task.input(),
                task.retry(),
                task.timeout(),
                task.compensation(),
                progress.dispatchedAt(),
                progress.deadline(),
                progress.startedAt(),
                progress.finishedAt(),
                progress.workerId(),
                progress.output(),
                progress.error(),
                progress.attempts(),
                progress.compensation(),
                progress.updatedAt());
    }

    /** The projected part of a task (its row in {@code submission.task}). */
    record TaskProgress(
            TaskStatus status,
            int attempt,
            @Nullable Instant dispatchedAt,
            @Nullable Instant deadline,
            @Nullable Instant startedAt,
            @Nullable Instant finishedAt,
            @Nullable String workerId,
            @Nullable JsonNode output,
            @Nullable TaskError error,
            List<TaskAttempt> attempts,
            @Nullable TaskCompensation compensation,
            Instant updatedAt) {

        static TaskProgress waiting(Instant at) {
            return new TaskProgress(
                    TaskStatus.WAITING, 0, null, null, null, null, null, null, null, List.of(), null, at);
        }
    }
}
