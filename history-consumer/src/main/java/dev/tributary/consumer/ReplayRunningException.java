package dev.tributary.consumer;

/** A replay of the same consumer group is being started or still runs: a second one is refused. */
public final class ReplayRunningException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The replay that runs. */
    @SuppressWarnings("serial") // never serialized
    private final ReplayStatus status;

    ReplayRunningException(String message, ReplayStatus status) {
        super(message);
        this.status = status;
    }

    /** The replay that runs (its state may be {@code IDLE} while another start is under way). */
    public ReplayStatus status() {
        return status;
    }
}
