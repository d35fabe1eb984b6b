package dev.tributary.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

/** The one row → record mapping of both relays and re-publishing. */
class OutboxRecordsTests {

    private static final UUID ID = UUID.fromString("0b9a3c2e-4f1d-4a57-9c1e-2f0d8e5b7a11");

    @Test
    void mapsARowToTheRecordTheDebeziumRelayProduces() {
        OutboxRecords.Row row = new OutboxRecords.Row(
                ID,
                "events",
                "wf-1",
                "tributary.test.v1",
                "{\"n\": 1}",
                "00-trace-01",
                Instant.parse("2026-11-28T02:11:30.1Z"));

        ProducerRecord<byte[], byte[]> record = OutboxRecords.record(row, "/tributary/unit");

        assertThat(record.topic()).isEqualTo("events");
        assertThat(record.partition()).isNull();
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("wf-1");
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("{\"n\": 1}");
        assertThat(headers(record))
                .containsExactly(
                        "ce_specversion=1.0",
                        "ce_id=" + ID,
                        "ce_type=tributary.test.v1",
                        "ce_source=/tributary/unit",
                        "ce_subject=wf-1",
                        "ce_time=2026-11-28T02:11:30.100000Z",
                        "content-type=application/json",
                        "traceparent=00-trace-01");
    }

    @Test
    void rendersCeTimeWithSixFractionDigitsAtUtcAsDebeziumDoes() {
        assertThat(OutboxRecords.ceTime(Instant.parse("2026-11-28T02:11:30Z")))
                .isEqualTo("2026-11-28T02:11:30.000000Z");
        assertThat(OutboxRecords.ceTime(Instant.parse("2026-11-28T02:11:30.123456Z")))
                .isEqualTo("2026-11-28T02:11:30.123456Z");
        assertThat(OutboxRecords.ceTime(Instant.parse("2026-11-28T03:11:30.5+01:00")))
                .isEqualTo("2026-11-28T02:11:30.500000Z");
    }

    @Test
    void deadLettersWithTheOriginalHeadersAndTheReasonAndDropsATooLargeValue() {
        ProducerRecord<byte[], byte[]> original = OutboxRecords.record(
                new OutboxRecords.Row(ID, "events", "wf-1", "t.v1", "{}", null, Instant.EPOCH), "/tributary/unit");

        ProducerRecord<byte[], byte[]> dead = OutboxRecords.deadLetter(
                original, new RecordTooLargeException("too big"), "/tributary/unit", "dead-letters");

        assertThat(dead.topic()).isEqualTo("dead-letters");
        assertThat(dead.key()).isEqualTo(original.key());
        assertThat(dead.value()).isNull();
        assertThat(headers(dead))
                .startsWith(headers(original).toArray(String[]::new))
                .contains(
                        Headers.DLT_ORIGINAL_TOPIC + "=events",
                        Headers.DLT_EXCEPTION + "=" + RecordTooLargeException.class.getName(),
                        Headers.DLT_REASON + "=Kafka rejected the outbox event: too big");
    }

    private static List<String> headers(ProducerRecord<byte[], byte[]> record) {
        List<String> headers = new ArrayList<>();
        record.headers().forEach(h -> headers.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8)));
        return headers;
    }
}
