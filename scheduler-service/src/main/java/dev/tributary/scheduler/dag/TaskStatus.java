package dev.tributary.scheduler.dag;

/** Where one task of a run stands (ARCHITECTURE §5). */
public enum TaskStatus {
    /** Some dependency has not succeeded yet. */
    WAITING,
    /** An attempt was released to the workers; no worker reported it started yet. */
    DISPATCHED,
    /** A worker started the current attempt. */
    RUNNING,
    /** The current attempt failed or timed out and the next one waits for its retry timer. */
    RETRY_WAIT,
    SUCCEEDED,
    /** Attempts exhausted, a non-retryable error, or a timeout without retries left. */
    FAILED,
    /** Never ran: an upstream task failed or the workflow was cancelled before its release. */
    SKIPPED,
    /** Was in flight when the workflow failed or was cancelled; later results are ignored. */
    CANCELLED;

    /** Whether nothing can change this task any more. */
    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == SKIPPED || this == CANCELLED;
    }

    /** Whether an attempt is out with the workers (a result for it is expected). */
    public boolean isInFlight() {
        return this == DISPATCHED || this == RUNNING;
    }
}
