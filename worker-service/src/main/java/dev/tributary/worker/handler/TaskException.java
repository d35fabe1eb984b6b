package dev.tributary.worker.handler;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A failure a handler reports on purpose, with a stable error code. Throw one of the two kinds:
 * {@link RetryableTaskException} (transient) or {@link PermanentTaskException} (a new attempt
 * would fail the same way). See {@link TaskHandler} for how every other exception is treated.
 */
public abstract sealed class TaskException extends RuntimeException
        permits RetryableTaskException, PermanentTaskException {

    private static final long serialVersionUID = 1L;

    private final String errorCode;

    TaskException(String errorCode, String message, @Nullable Throwable cause) {
        super(message, cause);
        if (Objects.requireNonNull(errorCode, "errorCode").isBlank()) {
            throw new IllegalArgumentException("error code must not be blank");
        }
        this.errorCode = errorCode;
    }

    /** A stable, machine-readable code, e.g. {@code HTTP_503}; upper case by convention. */
    public String errorCode() {
        return errorCode;
    }

    /** Whether a new attempt may succeed; reported as {@code TaskFailed.retryable}. */
    public abstract boolean retryable();
}
