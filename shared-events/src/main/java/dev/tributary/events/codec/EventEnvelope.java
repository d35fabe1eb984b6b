package dev.tributary.events.codec;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.task.TaskCommand;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One Kafka record in CloudEvents binary mode (ARCHITECTURE §3): the context attributes that
 * travel as {@code ce_*} headers, plus the payload that travels as the record value. Kafka-free:
 * headers are a {@code Map<String, String>} (UTF-8 strings on the wire), so any client can use it.
 *
 * <p>Producers: {@code EventEnvelope.wrap(event, source, at, traceparent)} then send {@link
 * #headers()} with {@code codec.encode(envelope.payload())}, key = {@code envelope.subject()}.
 * Consumers: {@link EventCodec#decodeEvent(Map, byte[])} or {@link EventCodec#decodeCommand(Map,
 * byte[])}, then deduplicate on {@link #id()}.
 *
 * @param id {@code ce_id}: the outbox row id, or a fresh UUID for records produced directly; the
 *     deduplication key on every hop
 * @param type {@code ce_type}: the registered type of the payload, see {@link EventTypes}
 * @param source {@code ce_source}: the producing service, e.g. {@code /tributary/worker}
 * @param subject {@code ce_subject}: the workflow id the event is about (also the Kafka key)
 * @param time {@code ce_time}: when the event was produced (for outbox events: row written)
 * @param traceparent W3C trace context of the producing span, if there was one
 * @param payload the record value: an event record, or the still-encoded bytes (an envelope of
 *     {@code byte[]} compares payloads by identity, as records do with arrays)
 * @param <T> the payload type
 */
public record EventEnvelope<T>(
        UUID id,
        String type,
        String source,
        String subject,
        Instant time,
        @Nullable String traceparent,
        T payload) {

    public EventEnvelope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(payload, "payload");
    }

    /**
     * Wraps a history event or task command with a fresh random id, its registered {@code ce_type}
     * and its workflow id as subject.
     *
     * @throws IllegalArgumentException when the payload is not a registered event or command
     */
    public static <T> EventEnvelope<T> wrap(T payload, String source, Instant time, @Nullable String traceparent) {
        String subject;
        if (payload instanceof WorkflowEvent event) {
            subject = event.workflowId().value();
        } else if (payload instanceof TaskCommand command) {
            subject = command.workflowId().value();
        } else {
            throw new IllegalArgumentException(
                    "not a history event or task command: " + payload.getClass().getName());
        }
        return new EventEnvelope<>(
                UUID.randomUUID(), EventTypes.of(payload.getClass()), source, subject, time, traceparent, payload);
    }

    /**
     * The CloudEvents binary-mode headers of this record, in a stable order: {@code ce_specversion},
     * {@code ce_id}, {@code ce_type}, {@code ce_source}, {@code ce_subject}, {@code ce_time} (RFC
     * 3339, UTC), {@code content-type} and, when set, {@code traceparent}.
     */
    public Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(Headers.CE_SPECVERSION, Headers.SPECVERSION);
        headers.put(Headers.CE_ID, id.toString());
        headers.put(Headers.CE_TYPE, type);
        headers.put(Headers.CE_SOURCE, source);
        headers.put(Headers.CE_SUBJECT, subject);
        headers.put(Headers.CE_TIME, time.toString());
        headers.put(Headers.CONTENT_TYPE, Headers.APPLICATION_JSON);
        if (traceparent != null) {
            headers.put(Headers.TRACEPARENT, traceparent);
        }
        return Collections.unmodifiableMap(headers);
    }

    /**
     * Reads the envelope of a received record. Other headers are ignored; {@code ce_specversion},
     * when present, must be {@code 1.0}.
     *
     * @throws EventCodecException when a required header is missing or malformed (a permanent
     *     failure: dead-letter the record)
     */
    public static <T> EventEnvelope<T> fromHeaders(Map<String, String> headers, T payload) {
        String specversion = headers.get(Headers.CE_SPECVERSION);
        if (specversion != null && !Headers.SPECVERSION.equals(specversion)) {
            throw new EventCodecException("unsupported " + Headers.CE_SPECVERSION + " '" + specversion + "'");
        }
        String id = required(headers, Headers.CE_ID);
        String time = required(headers, Headers.CE_TIME);
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new EventCodecException(Headers.CE_ID + " is not a UUID: '" + id + "'", e);
        }
        Instant instant;
        try {
            instant = Instant.parse(time);
        } catch (DateTimeParseException e) {
            throw new EventCodecException(Headers.CE_TIME + " is not an RFC 3339 date-time: '" + time + "'", e);
        }
        return new EventEnvelope<>(
                uuid,
                required(headers, Headers.CE_TYPE),
                required(headers, Headers.CE_SOURCE),
                required(headers, Headers.CE_SUBJECT),
                instant,
                headers.get(Headers.TRACEPARENT),
                payload);
    }

    /** The same envelope around another payload, e.g. the decoded event instead of its bytes. */
    public <U> EventEnvelope<U> withPayload(U newPayload) {
        return new EventEnvelope<>(id, type, source, subject, time, traceparent, newPayload);
    }

    private static String required(Map<String, String> headers, String name) {
        String value = headers.get(name);
        if (value == null || value.isBlank()) {
            throw new EventCodecException("missing header " + name);
        }
        return value;
    }
}
