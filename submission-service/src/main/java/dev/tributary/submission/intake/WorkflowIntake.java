package dev.tributary.submission.intake;

import dev.tributary.events.definition.WorkflowSubmission;
import dev.tributary.submission.query.WorkflowView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Accepts a workflow submission from any intake (HTTP now, Kafka later): validates it, then stores
 * it idempotently with its {@code WorkflowAccepted} outbox row. Validation holds no database
 * connection. Logs ids and counts, never payloads.
 */
@Service
public class WorkflowIntake {

    private static final Logger log = LoggerFactory.getLogger(WorkflowIntake.class);

    private final SubmissionValidator validator;
    private final WorkflowStore store;

    WorkflowIntake(SubmissionValidator validator, WorkflowStore store) {
        this.validator = validator;
        this.store = store;
    }

    /**
     * The result of a submission.
     *
     * @param created {@code true} when this call stored the workflow, {@code false} when the same
     *     definition was already stored under its id
     * @param workflow the workflow as stored
     */
    public record Result(boolean created, WorkflowView workflow) {}

    /**
     * Validates and stores a submission given as JSON.
     *
     * @throws InvalidSubmissionException when the document is malformed or breaks a rule
     * @throws WorkflowConflictException when its id is taken by a different definition
     */
    public Result submit(byte[] json) {
        WorkflowSubmission submission;
        try {
            submission = validator.validate(json);
        } catch (InvalidSubmissionException e) {
            log.info(
                    "rejected a submission ({} bytes): {}{}",
                    json.length,
                    e.getMessage(),
                    e.malformed() ? " [malformed]" : "");
            throw e;
        }
        WorkflowStore.Outcome outcome;
        try {
            outcome = store.accept(submission);
        } catch (WorkflowConflictException e) {
            log.info("rejected a submission: {}", e.getMessage());
            throw e;
        }
        WorkflowView workflow = outcome.workflow();
        if (outcome.created()) {
            log.info(
                    "accepted workflow {} with {} tasks",
                    workflow.id(),
                    workflow.tasks().size());
        } else {
            log.info("workflow {} resubmitted with the same definition; returning it", workflow.id());
        }
        return new Result(outcome.created(), workflow);
    }
}
