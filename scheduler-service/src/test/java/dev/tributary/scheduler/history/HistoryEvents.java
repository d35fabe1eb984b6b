package dev.tributary.scheduler.history;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.testsupport.TestInfra;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Workflow definitions and history events for the scheduler's history tests. */
final class HistoryEvents {

    private static final EventCodec CODEC = EventCodec.json();

    private HistoryEvents() {}

    static WorkflowId newWorkflow() {
        return WorkflowId.of(TestInfra.uniqueName("wf"));
    }

    /** A {@code noop} task with input {@code {"task": id}}. */
    static TaskDefinition task(String id, String... dependsOn) {
        return new TaskDefinition(
                TaskId.of(id),
                "noop",
                json("{\"task\":\"" + id + "\"}"),
                dependsOn.length == 0
                        ? null
                        : List.of(dependsOn).stream().map(TaskId::of).toList(),
                null,
                null,
                null);
    }

    static WorkflowDefinition definition(TaskDefinition... tasks) {
        return new WorkflowDefinition("test", null, Map.of(), null, null, List.of(tasks));
    }

    /** Attempt 1 of the task succeeded with the output. */
    static TaskSucceeded succeeded(WorkflowId wf, String task, String output) {
        return new TaskSucceeded(wf, TaskId.of(task), 1, TaskKind.TASK, json(output), "test-worker", Instant.now());
    }

    static JsonNode json(String text) {
        return CODEC.readTree(text.getBytes(StandardCharsets.UTF_8));
    }
}
