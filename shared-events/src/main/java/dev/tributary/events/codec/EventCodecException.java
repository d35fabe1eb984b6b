package dev.tributary.events.codec;

/** A record could not be encoded or decoded; a permanent failure (dead-letter the record). */
public class EventCodecException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public EventCodecException(String message) {
        super(message);
    }

    public EventCodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
