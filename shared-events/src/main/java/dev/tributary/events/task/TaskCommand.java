package dev.tributary.events.task;

import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A command to a worker: a {@link TaskDispatch} on {@code tributary.tasks.<type>}, or a {@link
 * TaskCancel} on {@code tributary.task-cancellations}.
 */
public sealed interface TaskCommand {

    WorkflowId workflowId();

    /**
     * Run one attempt of a task.
     *
     * @param input the task's static input
     * @param upstreamOutputs outputs of the task's direct upstream tasks, keyed by task id
     * @param deadline when the attempt times out, if a timeout is set; handlers should stop by then
     * @param idempotencyKey {@code workflowId/taskId/attempt} ({@code
     *     workflowId/taskId/compensation/attempt} for a compensation): the same key means the same
     *     attempt
     * @param compensates for a compensation, the input and output of the task it undoes
     */
    record TaskDispatch(
            WorkflowId workflowId,
            TaskId taskId,
            int attempt,
            TaskKind kind,
            String type,
            @Nullable JsonNode input,
            Map<TaskId, JsonNode> upstreamOutputs,
            @Nullable Instant deadline,
            String idempotencyKey,
            @Nullable CompensatedTask compensates)
            implements TaskCommand {

        /** A dispatch of a task attempt (not a compensation). */
        public TaskDispatch(
                WorkflowId workflowId,
                TaskId taskId,
                int attempt,
                TaskKind kind,
                String type,
                @Nullable JsonNode input,
                Map<TaskId, JsonNode> upstreamOutputs,
                @Nullable Instant deadline,
                String idempotencyKey) {
            this(workflowId, taskId, attempt, kind, type, input, upstreamOutputs, deadline, idempotencyKey, null);
        }

        /** The idempotency key of a task attempt. */
        public static String idempotencyKey(WorkflowId workflowId, TaskId taskId, int attempt) {
            return idempotencyKey(workflowId, taskId, TaskKind.TASK, attempt);
        }

        /** The idempotency key of a task or compensation attempt. */
        public static String idempotencyKey(WorkflowId workflowId, TaskId taskId, TaskKind kind, int attempt) {
            return workflowId.value() + "/" + taskId.value() + (kind == TaskKind.COMPENSATION ? "/compensation/" : "/")
                    + attempt;
        }
    }

    /**
     * What a compensation undoes: the task's static input and the output of its succeeded attempt.
     */
    record CompensatedTask(
            @Nullable JsonNode input, @Nullable JsonNode output) {}

    /**
     * Stop one attempt if it is still running: the workflow was cancelled, failed or timed out
     * while the attempt was out. Every worker sees every cancellation; one that runs no such
     * attempt ignores it. Whatever the attempt reports afterwards is ignored by the scheduler.
     *
     * @param reason why, free text (e.g. {@code workflow cancelled: customer request})
     */
    record TaskCancel(
            WorkflowId workflowId, TaskId taskId, int attempt, TaskKind kind, String reason, Instant requestedAt)
            implements TaskCommand {

        /** The idempotency key of the attempt to stop. */
        public String idempotencyKey() {
            return TaskDispatch.idempotencyKey(workflowId, taskId, kind, attempt);
        }
    }
}
