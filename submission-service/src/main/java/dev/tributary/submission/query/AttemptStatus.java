package dev.tributary.submission.query;

/**
 * Where one attempt of a task (or of its compensation) stands, as the history log shows it.
 * Clients must tolerate values they do not know: later versions may add some.
 */
public enum AttemptStatus {
    /** Released to the workers; none has reported starting it. */
    DISPATCHED,
    /** A worker started it. */
    RUNNING,
    /** The worker reported success. */
    SUCCEEDED,
    /** The worker reported a failure ({@code error} says which). */
    FAILED,
    /** The scheduler's timer fired before a result came ({@code error.code} is {@code TIMEOUT}). */
    TIMED_OUT,
    /** The workflow was cancelled, failed or started compensating while the attempt was out. */
    CANCELLED;

    /** Whether the attempt is out with the workers. */
    public boolean isInFlight() {
        return this == DISPATCHED || this == RUNNING;
    }

    /** Whether the scheduler stopped waiting for the attempt, so a result is late. */
    public boolean isAbandoned() {
        return this == TIMED_OUT || this == CANCELLED;
    }
}
