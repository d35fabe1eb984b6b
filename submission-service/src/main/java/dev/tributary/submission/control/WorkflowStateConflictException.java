package dev.tributary.submission.control;

import dev.tributary.submission.query.WorkflowStatus;

/** A control request the workflow's status does not allow (e.g. cancelling a succeeded workflow). */
public final class WorkflowStateConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String workflowId;
    private final ControlAction action;
    private final WorkflowStatus status;

    WorkflowStateConflictException(String workflowId, ControlAction action, WorkflowStatus status) {
        super("workflow " + workflowId + " is " + status + " and cannot be " + action.verb());
        this.workflowId = workflowId;
        this.action = action;
        this.status = status;
    }

    public String workflowId() {
        return workflowId;
    }

    public ControlAction action() {
        return action;
    }

    public WorkflowStatus status() {
        return status;
    }

    /** Why the status does not allow the action, for the problem's detail. */
    public String why() {
        return switch (action) {
            case CANCEL ->
                status == WorkflowStatus.SUCCEEDED
                        ? "it has already succeeded"
                        : "it has already ended " + status + "; retry it to run it again";
            case RETRY ->
                status == WorkflowStatus.SUCCEEDED
                        ? "it has succeeded: there is nothing to run again"
                        : "it is " + status + ": only a FAILED or CANCELLED workflow can be retried";
        };
    }
}
