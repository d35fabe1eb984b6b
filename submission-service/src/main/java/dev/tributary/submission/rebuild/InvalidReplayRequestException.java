package dev.tributary.submission.rebuild;

import dev.tributary.submission.intake.FieldError;
import java.util.List;

/** A replay request body that is not {@code {"from": "<ISO instant>"}}; nothing was started. */
public final class InvalidReplayRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    @SuppressWarnings("serial") // an immutable list of records; never serialized
    private final List<FieldError> errors;

    InvalidReplayRequestException(List<FieldError> errors) {
        super(errors.toString());
        this.errors = List.copyOf(errors);
    }

    /** Each problem with its JSON Pointer ({@code /from}, or empty for the whole body). */
    public List<FieldError> errors() {
        return errors;
    }
}
