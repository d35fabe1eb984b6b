package dev.tributary.outbox.relay;

import dev.tributary.events.Headers;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jspecify.annotations.Nullable;

/**
 * The one mapping from an outbox row to its Kafka record, shared by the Debezium relay, the polling
 * relay and re-publishing, so that a row re-published later is the record consumers saw the first
 * time: topic = the row's {@code topic}, key = {@code aggregate_id}, value = {@code payload} (its
 * jsonb text), and the CloudEvents binary-mode headers {@code ce_specversion}, {@code ce_id},
 * {@code ce_type}, {@code ce_source}, {@code ce_subject}, {@code ce_time}, {@code content-type} and
 * {@code traceparent} (when set), in that order.
 */
public final class OutboxRecords {

    private OutboxRecords() {}

    /**
     * One outbox row as read from the table.
     *
     * @param id the row id, {@code ce_id}
     * @param topic the destination topic
     * @param key the {@code aggregate_id}: Kafka key and {@code ce_subject}
     * @param type the {@code ce_type}
     * @param payload the {@code payload} column as text ({@code payload::text})
     * @param traceparent the W3C trace context, if any
     * @param createdAt the row's {@code created_at}, also {@code ce_time}
     */
    public record Row(
            UUID id,
            String topic,
            String key,
            String type,
            String payload,
            @Nullable String traceparent,
            Instant createdAt) {}

    /** The columns {@link #row(ResultSet)} reads, in its order. */
    public static final String COLUMNS = "id, topic, aggregate_id, type, payload::text, traceparent, created_at";

    /** Reads a row selected with {@link #COLUMNS}. */
    public static Row row(ResultSet result) throws SQLException {
        return new Row(
                result.getObject(1, UUID.class),
                result.getString(2),
                result.getString(3),
                result.getString(4),
                result.getString(5),
                result.getString(6),
                result.getObject(7, OffsetDateTime.class).toInstant());
    }

    /** The record of a row read from the table (polling relay, re-publishing). */
    public static ProducerRecord<byte[], byte[]> record(Row row, String source) {
        return record(
                row.topic(),
                utf8(row.key()),
                utf8(row.payload()),
                row.id().toString(),
                row.type(),
                source,
                row.key(),
                ceTime(row.createdAt()),
                row.traceparent());
    }

    /**
     * The record from its parts; the Debezium relay passes what the {@code EventRouter} put in the
     * change record's key, value and headers.
     */
    static ProducerRecord<byte[], byte[]> record(
            String topic,
            byte @Nullable [] key,
            byte @Nullable [] value,
            String id,
            @Nullable String type,
            String source,
            @Nullable String subject,
            @Nullable String time,
            @Nullable String traceparent) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, Headers.CE_SPECVERSION, Headers.SPECVERSION);
        add(headers, Headers.CE_ID, id);
        add(headers, Headers.CE_TYPE, type);
        add(headers, Headers.CE_SOURCE, source);
        add(headers, Headers.CE_SUBJECT, subject);
        add(headers, Headers.CE_TIME, time);
        add(headers, Headers.CONTENT_TYPE, Headers.APPLICATION_JSON);
        add(headers, Headers.TRACEPARENT, traceparent);
        return new ProducerRecord<>(topic, null, null, key, value, headers);
    }

    /**
     * {@code created_at} as Debezium renders the column ({@code io.debezium.time.ZonedTimestamp}
     * with the column's precision, 6 for {@code timestamptz}): ISO-8601 at UTC with exactly six
     * fraction digits, e.g. {@code 2026-11-28T02:11:30.000000Z}.
     */
    public static String ceTime(Instant createdAt) {
        return CE_TIME.format(createdAt.atOffset(ZoneOffset.UTC));
    }

    private static final DateTimeFormatter CE_TIME = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .appendLiteral('T')
            .appendValue(ChronoField.HOUR_OF_DAY, 2)
            .appendLiteral(':')
            .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
            .appendLiteral(':')
            .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
            .appendFraction(ChronoField.NANO_OF_SECOND, 6, 6, true)
            .appendOffsetId()
            .toFormatter(Locale.ROOT);

    /**
     * The dead-letter record of an event Kafka can never accept: same key and headers plus the
     * reason ({@code Headers.DLT_*}); the value only if it was not the problem.
     */
    public static ProducerRecord<byte[], byte[]> deadLetter(
            ProducerRecord<byte[], byte[]> original, Throwable reason, String source, String deadLetterTopic) {
        RecordHeaders headers = new RecordHeaders(original.headers().toArray());
        add(headers, Headers.DLT_REASON, "Kafka rejected the outbox event: " + reason.getMessage());
        add(headers, Headers.DLT_EXCEPTION, reason.getClass().getName());
        add(headers, Headers.DLT_ORIGINAL_TOPIC, original.topic());
        add(headers, Headers.DLT_SOURCE, source);
        byte[] value = reason instanceof RecordTooLargeException ? null : original.value();
        return new ProducerRecord<>(deadLetterTopic, null, null, original.key(), value, headers);
    }

    private static void add(RecordHeaders headers, String name, @Nullable String value) {
        if (value != null) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
