package dev.tributary.submission.control;

import dev.tributary.submission.query.WorkflowStatus;
import java.util.Set;

/** What a control request asks of a workflow, and the statuses in which it is accepted. */
public enum ControlAction {
    /** Stop a running workflow ({@code WorkflowCancelRequested}). */
    CANCEL(Set.of(WorkflowStatus.ACCEPTED, WorkflowStatus.RUNNING, WorkflowStatus.COMPENSATING)),
    /** Run a failed or cancelled workflow again ({@code WorkflowRetryRequested}). */
    RETRY(Set.of(WorkflowStatus.FAILED, WorkflowStatus.CANCELLED));

    private final Set<WorkflowStatus> writesIn;

    ControlAction(Set<WorkflowStatus> writesIn) {
        this.writesIn = writesIn;
    }

    /** Whether a request in this status writes its event. */
    boolean writesIn(WorkflowStatus status) {
        return writesIn.contains(status);
    }

    /** Whether a request in this status is answered 202 without writing anything (already done). */
    boolean alreadyDoneIn(WorkflowStatus status) {
        return this == CANCEL && status == WorkflowStatus.CANCELLED;
    }

    /** The verb for messages. */
    String verb() {
        return this == CANCEL ? "cancelled" : "retried";
    }
}
