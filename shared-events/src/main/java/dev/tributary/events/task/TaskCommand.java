package dev.tributary.events.task;

import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** A command to a worker, the value of a record on {@code tributary.tasks.<type>}. */
public sealed interface TaskCommand {

    WorkflowId workflowId();

    /**
     * Run one attempt of a task.
     *
     * @param input the task's static input
     * @param upstreamOutputs outputs of the task's direct upstream tasks, keyed by task id
     * @param deadline when the attempt times out, if a timeout is set; handlers should stop by then
     * @param idempotencyKey {@code workflowId/taskId/attempt}: the same key means the same attempt
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
            String idempotencyKey)
            implements TaskCommand {

        /** The idempotency key of an attempt. */
        public static String idempotencyKey(WorkflowId workflowId, TaskId taskId, int attempt) {
            return workflowId.value() + "/" + taskId.value() + "/" + attempt;
        }
    }
}
