package dev.tributary.submission.query;

import dev.tributary.events.history.WorkflowEvent.TaskKind;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One attempt of a task or of its compensation, as the history log showed it. Absent optional
 * fields are omitted from the JSON.
 *
 * @param attempt the attempt number (1-based, per task and kind, never reused)
 * @param kind {@code TASK} for the task itself, {@code COMPENSATION} for its compensation
 * @param status where the attempt stands
 * @param workerId the worker that started or finished it
 * @param dispatchedAt when the scheduler released it
 * @param deadline when it times out, if a timeout is set
 * @param startedAt when a worker started it
 * @param finishedAt when it succeeded, failed, timed out or was cancelled
 * @param error why it failed or timed out
 * @param lateResult what the worker reported after the attempt had timed out or been cancelled
 *     (recorded, ignored by the scheduler)
 */
public record TaskAttempt(
        int attempt,
        TaskKind kind,
        AttemptStatus status,
        @Nullable String workerId,
        @Nullable Instant dispatchedAt,
        @Nullable Instant deadline,
        @Nullable Instant startedAt,
        @Nullable Instant finishedAt,
        @Nullable TaskError error,
        @Nullable LateResult lateResult) {

    /**
     * A result that came after the scheduler had stopped waiting for the attempt.
     *
     * @param status {@code SUCCEEDED} or {@code FAILED}, as the worker reported
     * @param workerId the worker that reported it
     * @param finishedAt when the worker finished
     * @param error the reported failure
     */
    public record LateResult(
            AttemptStatus status,
            String workerId,
            Instant finishedAt,
            @Nullable TaskError error) {}

    /** An attempt first seen released. */
    public static TaskAttempt dispatched(int attempt, TaskKind kind, Instant at, @Nullable Instant deadline) {
        return new TaskAttempt(attempt, kind, AttemptStatus.DISPATCHED, null, at, deadline, null, null, null, null);
    }

    /** An attempt first seen started (its release not seen yet). */
    public static TaskAttempt started(int attempt, TaskKind kind, String worker, Instant at) {
        return new TaskAttempt(attempt, kind, AttemptStatus.RUNNING, worker, null, null, at, null, null, null);
    }

    /** An attempt first seen finished. */
    public static TaskAttempt finished(
            int attempt,
            TaskKind kind,
            AttemptStatus status,
            @Nullable String worker,
            Instant at,
            @Nullable TaskError error) {
        return new TaskAttempt(attempt, kind, status, worker, null, null, null, at, error, null);
    }

    /** The release of this attempt, seen after a worker's event about it. */
    public TaskAttempt withRelease(Instant at, @Nullable Instant newDeadline) {
        return new TaskAttempt(
                attempt, kind, status, workerId, at, newDeadline, startedAt, finishedAt, error, lateResult);
    }

    /** A worker started it (or, redelivered, another worker did). */
    public TaskAttempt withStart(String worker, Instant at) {
        return new TaskAttempt(
                attempt, kind, AttemptStatus.RUNNING, worker, dispatchedAt, deadline, at, null, null, lateResult);
    }

    /** It ended: succeeded, failed, timed out or cancelled. */
    public TaskAttempt withEnd(AttemptStatus end, @Nullable String worker, Instant at, @Nullable TaskError failure) {
        return new TaskAttempt(
                attempt,
                kind,
                end,
                worker != null ? worker : workerId,
                dispatchedAt,
                deadline,
                startedAt,
                at,
                failure,
                lateResult);
    }

    /** A result that came after the attempt was abandoned. */
    public TaskAttempt withLateResult(LateResult late) {
        return new TaskAttempt(
                attempt, kind, status, workerId, dispatchedAt, deadline, startedAt, finishedAt, error, late);
    }
}
