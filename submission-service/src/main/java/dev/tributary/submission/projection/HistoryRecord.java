package dev.tributary.submission.projection;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.codec.EventCodecException;
import dev.tributary.events.codec.EventEnvelope;
import dev.tributary.events.history.WorkflowEvent;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/** What one record of the history topic turned out to be. */
sealed interface HistoryRecord {

    ConsumerRecord<String, byte[]> record();

    /** A history event with its CloudEvents envelope. */
    record Event(ConsumerRecord<String, byte[]> record, EventEnvelope<WorkflowEvent> envelope)
            implements HistoryRecord {

        WorkflowEvent event() {
            return envelope.payload();
        }

        String workflowId() {
            return envelope.payload().workflowId().value();
        }
    }

    /**
     * A record that is fine but not for the projection: a {@code ce_type} this version does not know
     * (a newer producer's event) or a contract that is not a history event.
     */
    record Skip(ConsumerRecord<String, byte[]> record, String reason) implements HistoryRecord {}

    /** A record that claims to be a history event but cannot be one: goes to the dead letters. */
    record Reject(
            ConsumerRecord<String, byte[]> record,
            String reason,
            @Nullable Throwable error) implements HistoryRecord {}

    /**
     * Decodes a record: the CloudEvents headers ({@code ce_id} a UUID, {@code ce_type}, {@code
     * ce_source}, {@code ce_subject}, {@code ce_time}) and the value as the event of that type, whose
     * workflow id must be the record key and the subject.
     */
    static HistoryRecord decode(ConsumerRecord<String, byte[]> record) {
        Map<String, String> headers = headers(record);
        String ceType = headers.get(Headers.CE_TYPE);
        if (ceType == null || ceType.isBlank()) {
            return new Reject(record, "missing " + Headers.CE_TYPE + " header", null);
        }
        Optional<Class<?>> type = EventTypes.classOf(ceType);
        if (type.isEmpty()) {
            return new Skip(record, "unknown event type '" + ceType + "'");
        }
        if (!WorkflowEvent.class.isAssignableFrom(type.get())) {
            return new Skip(record, "'" + ceType + "' is not a history event");
        }
        if (record.value() == null) {
            return new Reject(record, "no value for a '" + ceType + "' event", null);
        }
        EventEnvelope<WorkflowEvent> envelope;
        try {
            envelope = EventCodec.json().decodeEvent(headers, record.value());
        } catch (EventCodecException e) {
            return new Reject(record, e.getMessage(), e);
        }
        String workflowId = envelope.payload().workflowId().value();
        if (workflowId.isEmpty() || workflowId.indexOf('\0') >= 0) {
            return new Reject(record, "the workflow id is empty or contains NUL", null);
        }
        if (record.key() != null && !record.key().equals(workflowId)) {
            return new Reject(
                    record,
                    "record key '" + record.key() + "' is not the event's workflow id '" + workflowId + "'",
                    null);
        }
        if (!envelope.subject().equals(workflowId)) {
            return new Reject(
                    record,
                    Headers.CE_SUBJECT + " '" + envelope.subject() + "' is not the event's workflow id '" + workflowId
                            + "'",
                    null);
        }
        return new Event(record, envelope);
    }

    private static Map<String, String> headers(ConsumerRecord<?, ?> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            if (header.value() != null) {
                headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8)); // the last one wins
            }
        }
        return headers;
    }
}
