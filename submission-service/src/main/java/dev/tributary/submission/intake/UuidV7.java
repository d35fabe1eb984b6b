package dev.tributary.submission.intake;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/**
 * UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random bits. Ids sort by
 * creation time, which keeps primary-key indexes compact. Not monotonic within one millisecond,
 * which RFC 9562 allows. Thread-safe.
 */
public final class UuidV7 {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;

    public UuidV7(Clock clock) {
        this.clock = clock;
    }

    public UUID next() {
        long millis = clock.millis();
        long randA = RANDOM.nextInt(1 << 12);
        long randB = RANDOM.nextLong();
        long mostSignificant = (millis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | randA;
        long leastSignificant = (randB & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(mostSignificant, leastSignificant);
    }

    /** The Unix milliseconds a version 7 UUID was made at. */
    public static long timestampMillis(UUID uuid) {
        if (uuid.version() != 7) {
            throw new IllegalArgumentException("not a version 7 UUID: " + uuid);
        }
        return uuid.getMostSignificantBits() >>> 16;
    }
}
