package dev.tributary.events;

/**
 * Default Kafka topic names (ARCHITECTURE §2). Services make them configurable through their
 * properties; these constants are the defaults and what external producers use.
 */
public final class Topics {

    /** Submission requests from outside (untrusted input), key = workflow id or null. */
    public static final String WORKFLOW_SUBMISSIONS = "tributary.workflow-submissions";

    /** The history log: every fact and decision about a workflow, key = workflow id. */
    public static final String WORKFLOW_EVENTS = "tributary.workflow-events";

    /** Prefix of the per-type task topics that carry {@code TaskDispatch} commands. */
    public static final String TASKS_PREFIX = "tributary.tasks.";

    /**
     * {@code TaskCancel} commands, key = workflow id: every worker reads all of them and stops the
     * matching running attempt.
     */
    public static final String TASK_CANCELLATIONS = "tributary.task-cancellations";

    /** Rejected or undecodable records, key = the original key, reason in headers. */
    public static final String DEAD_LETTERS = "tributary.dead-letters";

    private Topics() {}

    /** The topic carrying dispatch commands for one task type. */
    public static String tasks(String taskType) {
        return TASKS_PREFIX + taskType;
    }
}
