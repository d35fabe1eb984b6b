package dev.tributary.worker.handler;

import org.jspecify.annotations.Nullable;

/**
 * A failure a new attempt would repeat (bad input, a 4xx answer). Reported as {@code TaskFailed}
 * with {@code retryable=false}; the scheduler does not retry it.
 */
public non-sealed class PermanentTaskException extends TaskException {

    private static final long serialVersionUID = 1L;

    public PermanentTaskException(String errorCode, String message) {
        super(errorCode, message, null);
    }

    public PermanentTaskException(String errorCode, String message, @Nullable Throwable cause) {
        super(errorCode, message, cause);
    }

    @Override
    public final boolean retryable() {
        return false;
    }
}
