package dev.tributary.scheduler.history;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.codec.EventCodecException;
import dev.tributary.events.history.WorkflowEvent;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/** What one record of the history topic turned out to be. */
sealed interface HistoryRecord {

    ConsumerRecord<String, byte[]> record();

    /** A history event to apply. */
    record Event(
            ConsumerRecord<String, byte[]> record,
            WorkflowEvent event,
            @Nullable String traceparent) implements HistoryRecord {}

    /**
     * A record that is fine but not for the scheduler: a {@code ce_type} this version does not
     * know (a newer producer's event) or a contract that is not a history event.
     */
    record Skip(ConsumerRecord<String, byte[]> record, String reason) implements HistoryRecord {}

    /** A record that claims to be a history event but cannot be one: goes to the dead letters. */
    record Reject(
            ConsumerRecord<String, byte[]> record,
            String reason,
            @Nullable Throwable error) implements HistoryRecord {}

    static HistoryRecord decode(ConsumerRecord<String, byte[]> record) {
        String ceType = header(record, Headers.CE_TYPE);
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
        WorkflowEvent event;
        try {
            event = EventCodec.json().decodeEvent(ceType, record.value());
        } catch (EventCodecException e) {
            return new Reject(record, e.getMessage(), e);
        }
        if (record.key() != null && !record.key().equals(event.workflowId().value())) {
            return new Reject(
                    record,
                    "record key '" + record.key() + "' is not the event's workflow id '" + event.workflowId() + "'",
                    null);
        }
        return new Event(record, event, header(record, Headers.TRACEPARENT));
    }

    private static @Nullable String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
