package dev.tributary.outbox;

import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One message to relay: becomes one Kafka record on {@code topic} with key {@code key}, value
 * {@code payloadJson}, and CloudEvents headers ({@code ce_id} = {@code id}, {@code ce_type} =
 * {@code type}, {@code ce_subject} = {@code key}, {@code ce_time} = the row's creation time).
 *
 * @param id the event id; also the deduplication key downstream
 * @param topic the destination topic
 * @param key the Kafka key (the workflow id), also {@code ce_subject}
 * @param type the {@code ce_type}
 * @param payloadJson the record value, a JSON document
 * @param traceparent the W3C trace context to propagate, if any
 */
public record OutboxMessage(
        UUID id,
        String topic,
        String key,
        String type,
        String payloadJson,
        @Nullable String traceparent) {

    public OutboxMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payloadJson, "payloadJson");
    }
}
