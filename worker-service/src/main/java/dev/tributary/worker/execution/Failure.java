package dev.tributary.worker.execution;

import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.worker.handler.TaskException;

/**
 * How a failed attempt is reported in {@code TaskFailed}. The rule: a {@link TaskException}
 * reports its own code and retryable flag; an {@link InterruptedException} the worker did not
 * cause is retryable {@code INTERRUPTED}; anything else is retryable {@code HANDLER_ERROR}, since an
 * unexpected failure is presumed transient. A cancelled attempt is {@code CANCELLED}, not
 * retryable.
 */
record Failure(String code, String message, boolean retryable) {

    /** Longest message put in a {@code TaskFailed}; longer ones are cut. */
    static final int MAX_MESSAGE_LENGTH = 1024;

    static final String HANDLER_ERROR = "HANDLER_ERROR";
    static final String INTERRUPTED = "INTERRUPTED";
    static final String DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED";
    static final String OUTPUT_TOO_LARGE = "OUTPUT_TOO_LARGE";
    static final String BAD_OUTPUT = "BAD_OUTPUT";
    static final String CANCELLED = "CANCELLED";

    Failure {
        message = truncate(message);
    }

    static Failure of(Throwable thrown) {
        return switch (thrown) {
            case TaskException e -> new Failure(e.errorCode(), messageOf(e), e.retryable());
            case InterruptedException e -> new Failure(INTERRUPTED, "the handler was interrupted", true);
            default -> new Failure(HANDLER_ERROR, thrown.getClass().getName() + ": " + messageOf(thrown), true);
        };
    }

    /** The failure of an attempt stopped by a {@code TaskCancel}: not retryable. */
    static Failure cancelled(TaskCancel cancel) {
        return new Failure(CANCELLED, "the attempt was cancelled: " + cancel.reason(), false);
    }

    private static String messageOf(Throwable thrown) {
        String message = thrown.getMessage();
        return message == null || message.isBlank() ? thrown.getClass().getSimpleName() : message;
    }

    static String truncate(String message) {
        if (message.length() <= MAX_MESSAGE_LENGTH) {
            return message;
        }
        return message.substring(0, MAX_MESSAGE_LENGTH - 1) + "…";
    }
}
