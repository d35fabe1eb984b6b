package dev.tributary.submission.intake;

import java.util.List;

/** A workflow with the submitted id already exists with a different definition. */
public class WorkflowConflictException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String workflowId;
    private final List<String> differences;

    public WorkflowConflictException(String workflowId, List<String> differences) {
        super("workflow '" + workflowId + "' already exists with a different definition ("
                + String.join("; ", differences) + ")");
        this.workflowId = workflowId;
        this.differences = List.copyOf(differences);
    }

    public String workflowId() {
        return workflowId;
    }

    /** What differs between the stored and the submitted definition, one short line each. */
    public List<String> differences() {
        return differences;
    }
}
