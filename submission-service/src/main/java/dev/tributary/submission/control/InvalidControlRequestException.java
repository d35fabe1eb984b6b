package dev.tributary.submission.control;

import dev.tributary.submission.intake.FieldError;
import java.util.List;

/** A control request body that is not {@code {"reason": "..."}}; nothing was written. */
public final class InvalidControlRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<FieldError> errors;

    InvalidControlRequestException(List<FieldError> errors) {
        super(errors.toString());
        this.errors = List.copyOf(errors);
    }

    /** Each problem with its JSON Pointer ({@code /reason}, or empty for the whole body). */
    public List<FieldError> errors() {
        return errors;
    }
}
