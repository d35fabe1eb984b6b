package dev.tributary.worker.handler;

import org.jspecify.annotations.Nullable;

/**
 * A transient failure: a new attempt may succeed (a timeout, a 5xx answer, a connection refused).
 * Reported as {@code TaskFailed} with {@code retryable=true}; the scheduler retries the task if its
 * retry policy allows.
 */
public non-sealed class RetryableTaskException extends TaskException {

    private static final long serialVersionUID = 1L;

    public RetryableTaskException(String errorCode, String message) {
        super(errorCode, message, null);
    }

    public RetryableTaskException(String errorCode, String message, @Nullable Throwable cause) {
        super(errorCode, message, cause);
    }

    @Override
    public final boolean retryable() {
        return true;
    }
}
