package dev.tributary.outbox.relay;

import dev.tributary.events.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.jspecify.annotations.Nullable;

/**
 * One outbox row as it goes to Kafka, built from the change event the Outbox {@code EventRouter}
 * produced: topic = the row's {@code topic}, key = {@code aggregate_id}, value = {@code payload}
 * (jsonb arrives as its JSON text), and the CloudEvents binary-mode headers. The router places
 * {@code id}, {@code type}, {@code aggregate_id}, {@code created_at} and {@code traceparent} in
 * headers; {@link OutboxRecords} builds the record from them, as it does for the polling relay and
 * re-publishing.
 *
 * @param id the row id, {@code ce_id}
 * @param createdAt the row's {@code created_at}, also {@code ce_time}
 * @param record what is produced
 */
record OutboxEvent(String id, Instant createdAt, ProducerRecord<byte[], byte[]> record) {

    /**
     * The event of an outbox change record, or {@code null} when the record is something else
     * (heartbeat, logical decoding message, a row of another table): those carry no {@code ce_id}.
     */
    static @Nullable OutboxEvent from(SourceRecord change, String source) {
        String id = header(change, Headers.CE_ID);
        if (id == null) {
            return null;
        }
        String time = header(change, Headers.CE_TIME);
        Instant createdAt = parseTime(time);
        ProducerRecord<byte[], byte[]> record = OutboxRecords.record(
                change.topic(),
                bytes(change.key()),
                bytes(change.value()),
                id,
                header(change, Headers.CE_TYPE),
                source,
                header(change, Headers.CE_SUBJECT),
                time,
                header(change, Headers.TRACEPARENT));
        return new OutboxEvent(id, createdAt, record);
    }

    private static @Nullable String header(SourceRecord change, String name) {
        Header header = change.headers().lastWithName(name);
        if (header == null || header.value() == null) {
            return null;
        }
        return String.valueOf(header.value());
    }

    private static byte @Nullable [] bytes(@Nullable Object value) {
        return switch (value) {
            case null -> null;
            case byte[] array -> array;
            case ByteBuffer buffer -> {
                byte[] array = new byte[buffer.remaining()];
                buffer.duplicate().get(array);
                yield array;
            }
            default -> String.valueOf(value).getBytes(StandardCharsets.UTF_8);
        };
    }

    /** Debezium renders timestamptz as an ISO-8601 string in UTC ({@code io.debezium.time.ZonedTimestamp}). */
    private static Instant parseTime(@Nullable String time) {
        if (time == null) {
            return Instant.now();
        }
        try {
            return OffsetDateTime.parse(time).toInstant();
        } catch (DateTimeParseException e) {
            return Instant.now();
        }
    }
}
