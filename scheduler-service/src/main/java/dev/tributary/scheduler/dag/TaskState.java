package dev.tributary.scheduler.dag;

import java.time.Instant;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One task of a run, or the compensation of one task (then {@code output} is unused and the
 * statuses are {@code WAITING}, {@code DISPATCHED}, {@code RUNNING}, {@code RETRY_WAIT}, {@code
 * SUCCEEDED}, {@code FAILED} or {@code SKIPPED}).
 *
 * @param status where the task stands
 * @param attempt the latest attempt released (0 before the first release); results for any other
 *     attempt are stale
 * @param dispatchLogged whether the {@code TasksDispatched} that released {@code attempt} has come
 *     back through the log; what replay uses to tell decided-and-logged from decided-only
 * @param output the output of the succeeded attempt
 * @param lastError why the latest failed attempt failed
 * @param startBy when the released attempt must have started (schedule-to-start timeout)
 * @param deadline when the released attempt must have finished (start-to-close timeout, measured
 *     from release plus any schedule-to-start)
 * @param retryAt when the next attempt is released, while {@code RETRY_WAIT}
 */
public record TaskState(
        TaskStatus status,
        int attempt,
        boolean dispatchLogged,
        @Nullable JsonNode output,
        @Nullable TaskError lastError,
        @Nullable Instant startBy,
        @Nullable Instant deadline,
        @Nullable Instant retryAt) {

    /** A task whose dependencies are pending. */
    public static TaskState waiting() {
        return waiting(0);
    }

    /** A task (or compensation) not released yet whose latest attempt was {@code attempt}. */
    public static TaskState waiting(int attempt) {
        return new TaskState(TaskStatus.WAITING, attempt, false, null, null, null, null, null);
    }

    /** Back to {@code WAITING} for a rerun: the attempt counter and last error are kept. */
    TaskState rerun() {
        return new TaskState(TaskStatus.WAITING, attempt, false, null, lastError, null, null, null);
    }

    TaskState dispatched(int newAttempt, @Nullable Instant newStartBy, @Nullable Instant newDeadline) {
        return new TaskState(TaskStatus.DISPATCHED, newAttempt, false, null, lastError, newStartBy, newDeadline, null);
    }

    TaskState logged() {
        return new TaskState(status, attempt, true, output, lastError, startBy, deadline, retryAt);
    }

    TaskState running() {
        return new TaskState(TaskStatus.RUNNING, attempt, dispatchLogged, null, lastError, null, deadline, null);
    }

    TaskState succeeded(@Nullable JsonNode result) {
        return new TaskState(TaskStatus.SUCCEEDED, attempt, dispatchLogged, result, lastError, null, null, null);
    }

    TaskState retryWait(TaskError error, Instant at) {
        return new TaskState(TaskStatus.RETRY_WAIT, attempt, dispatchLogged, null, error, null, null, at);
    }

    TaskState failed(TaskError error) {
        return new TaskState(TaskStatus.FAILED, attempt, dispatchLogged, null, error, null, null, null);
    }

    TaskState ended(TaskStatus finalStatus) {
        return new TaskState(finalStatus, attempt, dispatchLogged, output, lastError, null, null, null);
    }
}
