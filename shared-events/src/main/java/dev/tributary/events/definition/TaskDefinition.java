package dev.tributary.events.definition;

import dev.tributary.events.ids.TaskId;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One task of a workflow.
 *
 * @param id unique within the workflow; {@code [A-Za-z0-9][A-Za-z0-9_.-]*}, at most 64 chars
 * @param type the handler type; selects the topic {@code tributary.tasks.<type>}
 * @param input static input handed to the handler (merged with upstream outputs at dispatch)
 * @param dependsOn ids of the tasks that must succeed before this one is released
 * @param retry retry policy; falls back to the workflow's task defaults, then the scheduler's
 * @param timeout per-attempt timeouts
 * @param compensation the saga step that undoes this task when the workflow fails after it
 *     succeeded
 */
public record TaskDefinition(
        TaskId id,
        String type,
        @Nullable JsonNode input,
        @Nullable List<TaskId> dependsOn,
        @Nullable RetryPolicy retry,
        @Nullable TaskTimeout timeout,
        @Nullable Compensation compensation) {

    /** The dependencies, never null. */
    public List<TaskId> dependencies() {
        return dependsOn == null ? List.of() : dependsOn;
    }
}
