package dev.tributary.scheduler.dag;

/** Where a run stands (ARCHITECTURE §5). {@code COMPENSATING} arrives with sagas. */
public enum WorkflowStatus {
    RUNNING,
    SUCCEEDED,
    COMPENSATING,
    FAILED,
    CANCELLED;

    /** Whether the run has ended. */
    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
