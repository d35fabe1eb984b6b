package dev.tributary.worker.handler;

import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Task contexts for handler unit tests. */
final class Contexts {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private Contexts() {}

    static JsonNode json(String json) {
        return JSON.readTree(json);
    }

    static TaskContext context(String type, @Nullable JsonNode input) {
        return context(type, input, Map.of(), 1);
    }

    static TaskContext context(String type, @Nullable JsonNode input, Map<TaskId, JsonNode> upstream, int attempt) {
        WorkflowId workflowId = WorkflowId.of("wf-1");
        TaskId taskId = TaskId.of("t-1");
        return new TaskContext(
                workflowId,
                taskId,
                attempt,
                TaskKind.TASK,
                type,
                input,
                upstream,
                null,
                TaskDispatch.idempotencyKey(workflowId, taskId, attempt),
                "test-worker");
    }
}
