package dev.tributary.submission.query;

/** No workflow has the requested id. */
public class WorkflowNotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String workflowId;

    public WorkflowNotFoundException(String workflowId) {
        super("no workflow with id '" + workflowId + "'");
        this.workflowId = workflowId;
    }

    public String workflowId() {
        return workflowId;
    }
}
