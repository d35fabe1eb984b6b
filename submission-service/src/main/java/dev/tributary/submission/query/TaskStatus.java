package dev.tributary.submission.query;

/**
 * A task's status as the read API shows it. Later issues add the live states (dispatched,
 * running, retry wait, succeeded, failed, skipped, cancelled); clients must tolerate values they do
 * not know.
 */
public enum TaskStatus {
    /** Not released yet. */
    PENDING
}
