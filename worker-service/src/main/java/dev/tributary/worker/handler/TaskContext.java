package dev.tributary.worker.handler;

import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.CompensatedTask;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;
import tools.jackson.databind.node.NullNode;

/**
 * What a handler knows about the attempt it runs.
 *
 * @param workflowId the workflow the task belongs to
 * @param taskId the task's id within the workflow
 * @param attempt the attempt number, from 1
 * @param kind whether this runs the task itself or its compensation
 * @param type the task type (the handler's {@link TaskHandler#type()})
 * @param input the task's static input; {@link NullNode} when the task has none
 * @param upstreamOutputs outputs of the task's direct upstream tasks, keyed by task id
 * @param deadline when the attempt times out, if a timeout is set; the worker interrupts the
 *     handler then
 * @param idempotencyKey {@code workflowId/taskId/attempt} ({@code
 *     workflowId/taskId/compensation/attempt} for a compensation): the same key means the same
 *     attempt
 * @param workerId the worker running the attempt
 * @param compensates for a compensation ({@code kind} {@code COMPENSATION}), the input and output
 *     of the succeeded task it undoes, each a {@link NullNode} when the task had none; {@code null}
 *     for a task attempt
 */
public record TaskContext(
        WorkflowId workflowId,
        TaskId taskId,
        int attempt,
        TaskKind kind,
        String type,
        JsonNode input,
        Map<TaskId, JsonNode> upstreamOutputs,
        @Nullable Instant deadline,
        String idempotencyKey,
        String workerId,
        @Nullable CompensatedTask compensates) {

    public TaskContext {
        Objects.requireNonNull(workflowId, "workflowId");
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(type, "type");
        input = input == null ? NullNode.getInstance() : input;
        upstreamOutputs = upstreamOutputs == null ? Map.of() : Map.copyOf(upstreamOutputs);
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(workerId, "workerId");
    }

    /** A context of a task attempt (not a compensation). */
    public TaskContext(
            WorkflowId workflowId,
            TaskId taskId,
            int attempt,
            TaskKind kind,
            String type,
            JsonNode input,
            Map<TaskId, JsonNode> upstreamOutputs,
            @Nullable Instant deadline,
            String idempotencyKey,
            String workerId) {
        this(workflowId, taskId, attempt, kind, type, input, upstreamOutputs, deadline, idempotencyKey, workerId, null);
    }

    /** The output of the direct upstream task {@code taskId}; a {@link MissingNode} if none. */
    public JsonNode upstreamOutput(String taskId) {
        JsonNode output = upstreamOutputs.get(TaskId.of(taskId));
        return output == null ? MissingNode.getInstance() : output;
    }
}
