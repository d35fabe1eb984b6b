package dev.tributary.submission.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UuidV7Tests {

    @Test
    void carriesVersionVariantAndTheClockMillis() {
        Instant at = Instant.parse("2026-11-27T12:34:56.789Z");
        UUID uuid = new UuidV7(Clock.fixed(at, ZoneOffset.UTC)).next();

        assertThat(uuid.version()).isEqualTo(7);
        assertThat(uuid.variant()).isEqualTo(2);
        assertThat(UuidV7.timestampMillis(uuid)).isEqualTo(at.toEpochMilli());
        assertThat(uuid.toString())
                .startsWith(String.format("%08x-%04x", at.toEpochMilli() >>> 16, at.toEpochMilli() & 0xFFFF));
    }

    @Test
    void laterMillisecondsSortLater() {
        UUID earlier = new UuidV7(Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC)).next();
        UUID later = new UuidV7(Clock.fixed(Instant.ofEpochMilli(1_001), ZoneOffset.UTC)).next();

        assertThat(earlier.toString()).isLessThan(later.toString());
    }

    @Test
    void idsOfTheSameMillisecondDiffer() {
        UuidV7 uuids = new UuidV7(Clock.fixed(Instant.ofEpochMilli(42), ZoneOffset.UTC));
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            seen.add(uuids.next());
        }

        assertThat(seen).hasSize(10_000);
    }

    @Test
    void refusesTheTimestampOfAnotherVersion() {
        assertThatThrownBy(() -> UuidV7.timestampMillis(UUID.randomUUID()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
