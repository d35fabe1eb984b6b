package dev.tributary.submission.query;

/**
 * A workflow's status as the read API shows it, projected from the history log (ARCHITECTURE §5).
 * Clients must tolerate values they do not know: later versions may add some.
 */
public enum WorkflowStatus {
    /** Stored; its {@code WorkflowAccepted} event has not come back through the history log yet. */
    ACCEPTED,
    /** On the history log: the scheduler runs it. */
    RUNNING,
    /** A task failed for good and the compensations of the succeeded tasks are running. */
    COMPENSATING,
    /** Every task succeeded. */
    SUCCEEDED,
    /** A task failed for good (or the deadline passed); {@code reason} says why. */
    FAILED,
    /** Cancelled on request; {@code reason} says why, when the request gave one. */
    CANCELLED;

    /** Whether the workflow has ended: nothing changes it any more. */
    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** Whether events about its tasks still change their statuses. */
    public boolean acceptsTaskEvents() {
        return this == ACCEPTED || this == RUNNING;
    }
}
