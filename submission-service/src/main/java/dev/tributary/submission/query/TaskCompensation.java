package dev.tributary.submission.query;

import java.time.Instant;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Where the compensation of a task stands, for a task the scheduler compensates (a succeeded task
 * that declares one, when the workflow started compensating). Its attempts are the task's attempts
 * of kind {@code COMPENSATION}. Absent optional fields are omitted from the JSON.
 *
 * @param status {@code WAITING}, {@code DISPATCHED}, {@code RUNNING}, {@code RETRY_WAIT}, {@code
 *     SUCCEEDED}, {@code FAILED} or {@code SKIPPED} (a compensation not released when another one
 *     failed for good)
 * @param attempt the latest compensation attempt (0 before the first release)
 * @param error why the latest failed compensation attempt failed
 * @param output the output of the succeeded compensation attempt
 * @param updatedAt when the status last changed
 */
public record TaskCompensation(
        TaskStatus status,
        int attempt,
        @Nullable TaskError error,
        @Nullable JsonNode output,
        Instant updatedAt) {

    /** A compensation the scheduler will release. */
    public static TaskCompensation waiting(Instant at) {
        return new TaskCompensation(TaskStatus.WAITING, 0, null, null, at);
    }

    /** The same compensation in another status (attempt, error, output kept). */
    public TaskCompensation with(TaskStatus next, Instant at) {
        return new TaskCompensation(next, attempt, error, output, at);
    }

    /** Attempt {@code next} is current in {@code nextStatus}. */
    public TaskCompensation with(TaskStatus nextStatus, int next, Instant at) {
        return new TaskCompensation(nextStatus, next, error, output, at);
    }

    /** Attempt {@code next} ended in {@code nextStatus} with this error or output. */
    public TaskCompensation ended(
            TaskStatus nextStatus, int next, Instant at, @Nullable TaskError failure, @Nullable JsonNode result) {
        return new TaskCompensation(nextStatus, next, failure != null ? failure : error, result, at);
    }
}
