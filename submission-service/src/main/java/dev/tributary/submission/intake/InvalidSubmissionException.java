package dev.tributary.submission.intake;

import java.util.List;

/**
 * A submission was rejected before anything was stored.
 *
 * <p>{@code malformed} submissions (not JSON, or a value of the wrong JSON type) are answered
 * with 400, otherwise valid JSON that breaks a rule with 422.
 */
public class InvalidSubmissionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean malformed;
    private final List<FieldError> errors;

    public InvalidSubmissionException(boolean malformed, List<FieldError> errors) {
        super(errors.size() + " error(s), first: " + (errors.isEmpty() ? "-" : describe(errors.getFirst())));
        this.malformed = malformed;
        this.errors = List.copyOf(errors);
    }

    private static String describe(FieldError error) {
        return (error.pointer().isEmpty() ? "(document)" : error.pointer()) + " " + error.reason();
    }

    /** Whether the document is not JSON or has values of the wrong JSON type. */
    public boolean malformed() {
        return malformed;
    }

    /** Every problem found, in document order as far as practical. */
    public List<FieldError> errors() {
        return errors;
    }
}
