package dev.tributary.submission.query;

import dev.tributary.events.definition.Compensation;
import dev.tributary.events.definition.RetryPolicy;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.TaskTimeout;
import dev.tributary.events.ids.TaskId;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One task of a workflow as the API returns it: its definition as accepted plus its status.
 * Absent optional fields are omitted from the JSON.
 *
 * @param id the task id
 * @param type the handler type
 * @param status the task's status
 * @param dependsOn ids of the tasks it waits for (empty when none)
 * @param input its static input
 * @param retry its own retry policy
 * @param timeout its own timeouts
 * @param compensation its compensation
 */
public record TaskView(
        String id,
        String type,
        TaskStatus status,
        List<String> dependsOn,
        @Nullable JsonNode input,
        @Nullable RetryPolicy retry,
        @Nullable TaskTimeout timeout,
        @Nullable Compensation compensation) {

    static TaskView of(TaskDefinition task, TaskStatus status) {
        return new TaskView(
                task.id().value(),
                task.type(),
                status,
                task.dependencies().stream().map(TaskId::value).toList(),
                task.input(),
                task.retry(),
                task.timeout(),
                task.compensation());
    }
}
