package dev.tributary.submission.intake;

import dev.tributary.events.definition.WorkflowSubmission;
import dev.tributary.events.history.WorkflowEvent.Origin;
import dev.tributary.submission.query.WorkflowView;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Accepts a workflow submission from any intake (HTTP and the Kafka topic): validates it, then stores
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
     * Validates and stores a submission given as JSON, logging the outcome (the HTTP intake).
     *
     * @param origin where the submission came from; recorded on its {@code WorkflowAccepted}
     * @throws InvalidSubmissionException when the document is malformed or breaks a rule
     * @throws WorkflowConflictException when its id is taken by a different definition
     */
    public Result submit(byte[] json, Origin origin) {
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
        Result result;
        try {
            result = store(submission, origin);
        } catch (WorkflowConflictException e) {
            log.info("rejected a submission: {}", e.getMessage());
            throw e;
        }
        WorkflowView workflow = result.workflow();
        if (result.created()) {
            log.info(
                    "accepted workflow {} with {} tasks",
                    workflow.id(),
                    workflow.tasks().size());
        } else {
            log.info("workflow {} resubmitted with the same definition; returning it", workflow.id());
        }
        return result;
    }

    /**
     * The validation of {@link #submit}, alone and silent (for intakes that batch and log
     * themselves): schema, DAG, limits. Holds no database connection.
     *
     * @param defaultId the id to use when the document has none (a Kafka record's key), validated
     *     like an id in the document; {@code null} to let the store assign a UUIDv7
     * @throws InvalidSubmissionException when the document is malformed or breaks a rule
     */
    public WorkflowSubmission validate(byte[] json, @Nullable String defaultId) {
        return validator.validate(json, defaultId);
    }

    /**
     * The write of {@link #submit}, alone and silent: the workflow, task and {@code
     * WorkflowAccepted} outbox rows in one transaction (joining the caller's, if one is active), or
     * nothing when the same definition is already stored under the id.
     *
     * @throws WorkflowConflictException when the id is taken by a different definition
     */
    public Result store(WorkflowSubmission submission, Origin origin) {
        WorkflowStore.Outcome outcome = store.accept(submission, origin);
        return new Result(outcome.created(), outcome.workflow());
    }
}
