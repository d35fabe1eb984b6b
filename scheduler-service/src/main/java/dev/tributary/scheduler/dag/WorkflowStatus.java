package dev.tributary.scheduler.dag;

/**
 * Where a run stands (ARCHITECTURE §5, docs/failure-semantics.md). A rerun takes {@code FAILED} or
 * {@code CANCELLED} back to {@code RUNNING}.
 */
public enum WorkflowStatus {
    RUNNING,
    SUCCEEDED,
    /** A task failed for good (or the deadline passed) and compensations run before it fails. */
    COMPENSATING,
    FAILED,
    CANCELLED;

    /** Whether the run has ended (a rerun may still start it again). */
    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
