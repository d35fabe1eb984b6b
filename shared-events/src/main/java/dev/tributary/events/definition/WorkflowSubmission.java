package dev.tributary.events.definition;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A submission request: what a client sends. Validated against {@code
 * schemas/workflow-submission.schema.json} and then semantically (unique ids, known dependencies,
 * no cycles) before anything is stored.
 *
 * @param id the workflow id; when absent the server assigns a UUIDv7. The idempotency key.
 * @param name a human-readable workflow name (not unique)
 * @param input the workflow input, any JSON value
 * @param labels free-form string labels, usable as list filters
 * @param timeout the workflow deadline, measured from acceptance
 * @param taskDefaults retry and timeout applied to tasks that do not set their own
 * @param tasks the DAG's tasks
 */
public record WorkflowSubmission(
        @Nullable String id,
        String name,
        @Nullable JsonNode input,
        @Nullable Map<String, String> labels,
        @Nullable Duration timeout,
        @Nullable TaskDefaults taskDefaults,
        List<TaskDefinition> tasks) {

    /** The definition without the id, as stored and carried by {@code WorkflowAccepted}. */
    public WorkflowDefinition definition() {
        return new WorkflowDefinition(name, input, labels == null ? Map.of() : labels, timeout, taskDefaults, tasks);
    }
}
