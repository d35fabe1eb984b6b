package dev.tributary.submission.intake;

import java.io.IOException;
import java.io.InputStream;

/** Reads a request body of at most {@code limit} bytes without buffering more than that. */
final class RequestBodyReader {

    private final int limit;

    RequestBodyReader(long limit) {
        this.limit = Math.toIntExact(limit);
    }

    /**
     * @param declaredLength the {@code Content-Length}, or -1 when unknown (chunked)
     * @throws PayloadTooLargeException when the body is longer than the limit
     */
    byte[] read(InputStream body, long declaredLength) throws IOException {
        if (declaredLength > limit) {
            throw new PayloadTooLargeException(limit);
        }
        byte[] bytes = body.readNBytes(limit + 1);
        if (bytes.length > limit) {
            throw new PayloadTooLargeException(limit);
        }
        return bytes;
    }
}
