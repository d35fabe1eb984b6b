package dev.tributary.events.definition;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A saga step: run when the workflow fails after the owning task succeeded, in reverse
 * topological order.
 *
 * @param type the handler type that undoes the task
 * @param input static input for the compensation (it also receives the task's output)
 * @param retry the compensation's own retry policy
 */
public record Compensation(
        String type, @Nullable JsonNode input, @Nullable RetryPolicy retry) {}
