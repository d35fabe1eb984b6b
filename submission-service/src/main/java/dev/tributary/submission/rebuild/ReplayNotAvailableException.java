package dev.tributary.submission.rebuild;

/** The consumer a replay was asked for is switched off on this instance. */
public final class ReplayNotAvailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ReplayNotAvailableException(String message) {
        super(message);
    }
}
