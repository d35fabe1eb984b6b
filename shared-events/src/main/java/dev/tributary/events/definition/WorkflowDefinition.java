package dev.tributary.events.definition;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * An accepted workflow's full definition. Two submissions with the same id are the same workflow
 * exactly when their definitions are equal.
 *
 * @param name a human-readable workflow name
 * @param input the workflow input
 * @param labels string labels (empty when none were given)
 * @param timeout the workflow deadline, measured from acceptance
 * @param taskDefaults retry and timeout for tasks that do not set their own
 * @param tasks the tasks, in submission order
 */
public record WorkflowDefinition(
        String name,
        @Nullable JsonNode input,
        Map<String, String> labels,
        @Nullable Duration timeout,
        @Nullable TaskDefaults taskDefaults,
        List<TaskDefinition> tasks) {}
