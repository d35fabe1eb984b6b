package dev.tributary.submission.query;

/**
 * A task's status as the read API shows it, projected from the history log (ARCHITECTURE §5). A
 * compensation's status uses the same values ({@code WAITING} to {@code SKIPPED}).
 * Clients must tolerate values they do not know: later versions may add some.
 */
public enum TaskStatus {
    /** Not released yet: some dependency has not succeeded (or the workflow is not on the log yet). */
    WAITING,
    /** An attempt was released to the workers of its type; no worker has reported starting it. */
    DISPATCHED,
    /** A worker started the current attempt. */
    RUNNING,
    /** The current attempt failed or timed out and a new attempt is expected after a back-off. */
    RETRY_WAIT,
    /** An attempt succeeded; {@code output} holds its result. */
    SUCCEEDED,
    /** An attempt failed and no new attempt follows (attempts exhausted, non-retryable error). */
    FAILED,
    /**
     * Never ran: a task it depends on (transitively) failed for good, or the workflow failed or was
     * cancelled before the task was released. A rerun makes it {@code WAITING} again.
     */
    SKIPPED,
    /** Was released or running when the workflow failed or was cancelled; later results are ignored. */
    CANCELLED;

    /** Whether no later event about this task can change it (a failed task may still be retried). */
    public boolean isSettled() {
        return this == SUCCEEDED || this == SKIPPED || this == CANCELLED;
    }

    /** Whether an attempt is out with the workers, so that its result is expected. */
    public boolean isInFlight() {
        return this == DISPATCHED || this == RUNNING;
    }
}
