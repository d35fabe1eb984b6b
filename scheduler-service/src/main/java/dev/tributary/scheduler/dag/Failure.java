package dev.tributary.scheduler.dag;

import dev.tributary.events.ids.TaskId;
import org.jspecify.annotations.Nullable;

/**
 * Why a run fails (or failed): the first task (or compensation) that failed for good, in log order,
 * and the reason written to {@code WorkflowFailed}.
 *
 * @param task the task that failed, or whose compensation failed; {@code null} when no task caused
 *     it (the workflow deadline passed, the definition is invalid)
 * @param reason a human-readable line naming the task and its last error, e.g. {@code task 'charge'
 *     failed after 3 attempts: HTTP_503: upstream unavailable}
 */
public record Failure(@Nullable TaskId task, String reason) {}
