package dev.tributary.submission.query;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Optional;

/**
 * A position in the newest-first list of workflows: the last item of a page. Opaque to clients:
 * base64url of {@code v1|<createdAt in epoch microseconds>|<id>} (PostgreSQL keeps microseconds,
 * so the position is exact).
 *
 * @param createdAt the creation time of the last item
 * @param id the id of the last item (the tie-breaker between equal times)
 */
record PageCursor(Instant createdAt, String id) {

    private static final String VERSION = "v1";

    String encode() {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, createdAt);
        String plain = VERSION + "|" + micros + "|" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor a client passed back, or empty when it is not one this service made. */
    static Optional<PageCursor> decode(String token) {
        String plain;
        try {
            plain = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        String[] parts = plain.split("\\|", 3);
        if (parts.length != 3 || !parts[0].equals(VERSION) || parts[2].isEmpty()) {
            return Optional.empty();
        }
        try {
            long micros = Long.parseLong(parts[1]);
            Instant at = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
            return Optional.of(new PageCursor(at, parts[2]));
        } catch (NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
            return Optional.empty();
        }
    }
}
