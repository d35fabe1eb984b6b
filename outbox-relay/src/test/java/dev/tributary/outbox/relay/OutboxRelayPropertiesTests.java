package dev.tributary.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutboxRelayPropertiesTests {

    @Test
    void derivesNamesFromTheOutboxName() {
        OutboxRelayProperties properties =
                OutboxRelayProperties.of(Map.of("name", "submission-service", "schema", "submission"));

        assertThat(properties.slotName()).isEqualTo("tributary_submission_service");
        assertThat(properties.publicationName()).isEqualTo("tributary_submission_service");
        assertThat(properties.offsetTopic()).isEqualTo("tributary.relay-offsets.submission-service");
        assertThat(properties.source()).isEqualTo("/tributary/submission-service");
        assertThat(properties.qualifiedTable()).isEqualTo("submission.outbox");
    }

    @Test
    void defaultsTheNameToTheSchemaAndAppliesLowLatencyDefaults() {
        OutboxRelayProperties properties = OutboxRelayProperties.of(Map.of("schema", "scheduler"));

        assertThat(properties.enabled()).isTrue();
        assertThat(properties.name()).isEqualTo("scheduler");
        assertThat(properties.slotName()).isEqualTo("tributary_scheduler");
        assertThat(properties.pollInterval()).isEqualTo(Duration.ofMillis(10));
        assertThat(properties.retriableRestartWait()).isEqualTo(Duration.ofSeconds(1));
        assertThat(properties.offsetFlushInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(properties.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(properties.heartbeatActionQuery()).isEqualTo(OutboxRelayProperties.DEFAULT_HEARTBEAT_QUERY);
        assertThat(properties.retention()).isEqualTo(Duration.ofHours(24));
        assertThat(properties.leaderAcquireInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(properties.producer()).isEmpty();
    }

    @Test
    void bindsRelaxedNamesAndDurations() {
        OutboxRelayProperties properties = OutboxRelayProperties.of(Map.of(
                "schema", "submission",
                "slot-name", "my_slot",
                "poll-interval", "25ms",
                "producer.linger.ms", "7"));

        assertThat(properties.slotName()).isEqualTo("my_slot");
        assertThat(properties.pollInterval()).isEqualTo(Duration.ofMillis(25));
        assertThat(properties.producer()).containsEntry("linger.ms", "7");
    }

    @Test
    void rejectsANonIdentifierSlotName() {
        assertThatThrownBy(() -> OutboxRelayProperties.of(Map.of("slot-name", "bad-slot; DROP")))
                .hasStackTraceContaining("slot-name");
    }

    @Test
    void keepsThePasswordOutOfToString() {
        OutboxRelayProperties properties = OutboxRelayProperties.of(Map.of("password", "s3cret"));

        assertThat(properties.toString()).doesNotContain("s3cret");
    }
}
