package dev.tributary.submission.intake;

/** The request body is larger than {@code tributary.submission.max-body-size}. */
public class PayloadTooLargeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long limitBytes;

    public PayloadTooLargeException(long limitBytes) {
        super("request body exceeds " + limitBytes + " bytes");
        this.limitBytes = limitBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }
}
