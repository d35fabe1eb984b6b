package dev.tributary.submission.query;

import dev.tributary.events.history.WorkflowEvent.CompensationOutcome;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One workflow in a list: what identifies it and where it stands, without its tasks.
 *
 * @param id the workflow id
 * @param name the workflow name
 * @param status the workflow's status
 * @param labels the labels (empty when none)
 * @param taskCount how many tasks it has
 * @param createdAt when it was accepted (the list's order, newest first)
 * @param updatedAt when it or one of its tasks last changed status
 * @param startedAt when the history log showed it accepted
 * @param finishedAt when it succeeded, failed or was cancelled
 * @param reason why it failed or was cancelled
 * @param compensation what the compensations achieved, once it failed
 */
public record WorkflowSummary(
        String id,
        String name,
        WorkflowStatus status,
        Map<String, String> labels,
        int taskCount,
        Instant createdAt,
        Instant updatedAt,
        @Nullable Instant startedAt,
        @Nullable Instant finishedAt,
        @Nullable String reason,
        @Nullable CompensationOutcome compensation) {}
