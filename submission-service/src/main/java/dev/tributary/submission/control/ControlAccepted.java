package dev.tributary.submission.control;

import dev.tributary.submission.query.WorkflowStatus;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The body of a {@code 202 Accepted} answer to a control request. Absent optional fields are
 * omitted from the JSON.
 *
 * @param workflowId the workflow
 * @param action {@code CANCEL} or {@code RETRY}
 * @param status the workflow's status when the request was taken (the change shows once the
 *     scheduler acts on the event)
 * @param requestId the {@code ce_id} of the event written; absent when nothing was written (a
 *     cancelled workflow cancelled again)
 */
public record ControlAccepted(
        String workflowId,
        ControlAction action,
        WorkflowStatus status,
        @Nullable UUID requestId) {}
