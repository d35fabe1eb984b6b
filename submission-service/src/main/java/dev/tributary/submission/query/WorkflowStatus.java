package dev.tributary.submission.query;

/**
 * A workflow's status as the read API shows it. Later issues add the live states (running,
 * succeeded, compensating, failed, cancelled); clients must tolerate values they do not know.
 */
public enum WorkflowStatus {
    /** Stored and its {@code WorkflowAccepted} event is on its way to the history log. */
    ACCEPTED
}
