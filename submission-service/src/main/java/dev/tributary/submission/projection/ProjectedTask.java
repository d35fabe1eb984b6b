package dev.tributary.submission.projection;

import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.submission.query.TaskAttempt;
import dev.tributary.submission.query.TaskCompensation;
import dev.tributary.submission.query.TaskError;
import dev.tributary.submission.query.TaskStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One task's projected status: what the history log has shown about its latest attempt, every
 * attempt it had, and its compensation.
 *
 * @param type the handler type (from the definition)
 * @param status where the task stands
 * @param attempt the latest attempt the log has shown (0 before the first release); events about
 *     older attempts are stale
 * @param updatedAt when the task last changed, by the time of the event that changed it
 * @param dispatchedAt when the scheduler released {@code attempt}
 * @param deadline when {@code attempt} times out, if a timeout is set
 * @param startedAt when a worker started {@code attempt}
 * @param finishedAt when {@code attempt} succeeded, failed or timed out
 * @param workerId the worker that started or finished {@code attempt}
 * @param output the output of the succeeded attempt. Rows are loaded without it: only a {@code
 *     SUCCEEDED} task has one, and the store keeps the stored one while the task stays {@code
 *     SUCCEEDED}
 * @param error why the latest failed attempt failed (kept while a later attempt runs)
 * @param attempts every attempt of the task and of its compensation, in the order the log showed them
 * @param compensation the compensation's progress, while the workflow compensates the task and
 *     after (null when it is not compensated)
 */
record ProjectedTask(
        String type,
        TaskStatus status,
        int attempt,
        Instant updatedAt,
        @Nullable Instant dispatchedAt,
        @Nullable Instant deadline,
        @Nullable Instant startedAt,
        @Nullable Instant finishedAt,
        @Nullable String workerId,
        @Nullable JsonNode output,
        @Nullable TaskError error,
        List<TaskAttempt> attempts,
        @Nullable TaskCompensation compensation) {

    ProjectedTask {
        attempts = List.copyOf(attempts);
    }

    /** A task not released yet. */
    static ProjectedTask waiting(String type, Instant at) {
        return new ProjectedTask(
                type, TaskStatus.WAITING, 0, at, null, null, null, null, null, null, null, List.of(), null);
    }

    /** Attempt {@code newAttempt} released at {@code at}. */
    ProjectedTask dispatched(int newAttempt, Instant at, @Nullable Instant newDeadline) {
        return new ProjectedTask(
                type,
                TaskStatus.DISPATCHED,
                newAttempt,
                at,
                at,
                newDeadline,
                null,
                null,
                null,
                null,
                error,
                attempts,
                compensation);
    }

    /** The release of the current attempt arrived after a later event about it. */
    ProjectedTask dispatchSeen(Instant at, @Nullable Instant newDeadline) {
        return new ProjectedTask(
                type,
                status,
                attempt,
                updatedAt,
                at,
                newDeadline,
                startedAt,
                finishedAt,
                workerId,
                output,
                error,
                attempts,
                compensation);
    }

    /** A worker started {@code newAttempt} (the current one, or a newer one not yet seen released). */
    ProjectedTask running(int newAttempt, Instant at, String worker) {
        boolean same = newAttempt == attempt;
        return new ProjectedTask(
                type,
                TaskStatus.RUNNING,
                newAttempt,
                at,
                same ? dispatchedAt : null,
                same ? deadline : null,
                at,
                null,
                worker,
                null,
                error,
                attempts,
                compensation);
    }

    /** {@code newAttempt} succeeded. */
    ProjectedTask succeeded(int newAttempt, Instant at, String worker, @Nullable JsonNode result) {
        boolean same = newAttempt == attempt;
        return new ProjectedTask(
                type,
                TaskStatus.SUCCEEDED,
                newAttempt,
                at,
                same ? dispatchedAt : null,
                same ? deadline : null,
                same ? startedAt : null,
                at,
                worker,
                result,
                error,
                attempts,
                compensation);
    }

    /** {@code newAttempt} failed or timed out; {@code next} is RETRY_WAIT or FAILED. */
    ProjectedTask attemptFailed(
            int newAttempt, TaskStatus next, Instant at, @Nullable String worker, TaskError failure) {
        boolean same = newAttempt == attempt;
        return new ProjectedTask(
                type,
                next,
                newAttempt,
                at,
                same ? dispatchedAt : null,
                same ? deadline : null,
                same ? startedAt : null,
                at,
                worker != null ? worker : (same ? workerId : null),
                null,
                failure,
                attempts,
                compensation);
    }

    /** The same task with another status, e.g. ended by the workflow's end. */
    ProjectedTask withStatus(TaskStatus next, Instant at) {
        return new ProjectedTask(
                type,
                next,
                attempt,
                at,
                dispatchedAt,
                deadline,
                startedAt,
                finishedAt,
                workerId,
                output,
                error,
                attempts,
                compensation);
    }

    /**
     * The task taken back to {@code WAITING} by a rerun: the attempt counter, the attempts and the
     * last error stay; the times of the current attempt, the output and the compensation go.
     */
    ProjectedTask rerun(Instant at) {
        return new ProjectedTask(
                type, TaskStatus.WAITING, attempt, at, null, null, null, null, null, null, error, attempts, null);
    }

    /** The same task with another compensation progress. */
    ProjectedTask withCompensation(@Nullable TaskCompensation next) {
        return new ProjectedTask(
                type,
                status,
                attempt,
                updatedAt,
                dispatchedAt,
                deadline,
                startedAt,
                finishedAt,
                workerId,
                output,
                error,
                attempts,
                next);
    }

    /** The recorded attempt {@code number} of this kind, if the log showed it. */
    @Nullable
    TaskAttempt attemptRecord(TaskKind kind, int number) {
        for (TaskAttempt recorded : attempts) {
            if (recorded.attempt() == number && recorded.kind() == kind) {
                return recorded;
            }
        }
        return null;
    }

    /** The same task with this attempt recorded (replacing the one with its number and kind). */
    ProjectedTask withAttempt(TaskAttempt record) {
        List<TaskAttempt> next = new ArrayList<>(attempts.size() + 1);
        boolean replaced = false;
        for (TaskAttempt recorded : attempts) {
            if (recorded.attempt() == record.attempt() && recorded.kind() == record.kind()) {
                next.add(record);
                replaced = true;
            } else {
                next.add(recorded);
            }
        }
        if (!replaced) {
            next.add(record);
        }
        return new ProjectedTask(
                type,
                status,
                attempt,
                updatedAt,
                dispatchedAt,
                deadline,
                startedAt,
                finishedAt,
                workerId,
                output,
                error,
                next,
                compensation);
    }
}
