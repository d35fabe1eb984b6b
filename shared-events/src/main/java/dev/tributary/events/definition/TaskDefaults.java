package dev.tributary.events.definition;

import org.jspecify.annotations.Nullable;

/**
 * Workflow-level defaults for tasks that do not set their own.
 *
 * @param retry the default retry policy
 * @param timeout the default per-attempt timeouts
 */
public record TaskDefaults(
        @Nullable RetryPolicy retry, @Nullable TaskTimeout timeout) {}
