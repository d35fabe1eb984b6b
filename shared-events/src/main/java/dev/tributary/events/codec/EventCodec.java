package dev.tributary.events.codec;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tributary.events.EventTypes;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.task.TaskCommand;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one JSON codec for contract records. Readers are tolerant (unknown fields are ignored, so
 * contracts can grow additively); writers omit null fields and write times and durations as ISO
 * 8601 strings. Thread-safe; share one instance.
 */
public final class EventCodec {

    private static final EventCodec DEFAULT = new EventCodec();

    private final JsonMapper mapper;

    public EventCodec() {
        this.mapper = JsonMapper.builder()
                .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DateTimeFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                .build();
    }

    /** A shared instance. */
    public static EventCodec json() {
        return DEFAULT;
    }

    /** The underlying mapper, configured as described above; do not reconfigure it. */
    public JsonMapper mapper() {
        return mapper;
    }

    public byte[] encode(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new EventCodecException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    public String encodeToString(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new EventCodecException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    public JsonNode toTree(Object value) {
        try {
            return mapper.valueToTree(value);
        } catch (JacksonException e) {
            throw new EventCodecException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    public <T> T decode(byte[] json, Class<T> type) {
        try {
            T value = mapper.readValue(json, type);
            if (value == null) {
                throw new EventCodecException("empty " + type.getSimpleName() + " document");
            }
            return value;
        } catch (JacksonException e) {
            throw new EventCodecException("not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    public <T> T decode(String json, Class<T> type) {
        try {
            T value = mapper.readValue(json, type);
            if (value == null) {
                throw new EventCodecException("empty " + type.getSimpleName() + " document");
            }
            return value;
        } catch (JacksonException e) {
            throw new EventCodecException("not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    public <T> T treeToValue(JsonNode tree, Class<T> type) {
        try {
            return mapper.treeToValue(tree, type);
        } catch (JacksonException e) {
            throw new EventCodecException("not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    public JsonNode readTree(byte[] json) {
        try {
            return mapper.readTree(json);
        } catch (JacksonException e) {
            throw new EventCodecException("malformed JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Decodes a history event by its {@code ce_type}.
     *
     * @throws EventCodecException when the type is unknown, not a history event, or the JSON does
     *     not match it
     */
    public WorkflowEvent decodeEvent(String ceType, byte[] json) {
        Class<?> type = EventTypes.classOf(ceType)
                .orElseThrow(() -> new EventCodecException("unknown event type '" + ceType + "'"));
        if (!WorkflowEvent.class.isAssignableFrom(type)) {
            throw new EventCodecException("'" + ceType + "' is not a history event");
        }
        return (WorkflowEvent) decode(json, type);
    }

    /** Decodes a task command by its {@code ce_type}. */
    public TaskCommand decodeCommand(String ceType, byte[] json) {
        Class<?> type = EventTypes.classOf(ceType)
                .orElseThrow(() -> new EventCodecException("unknown command type '" + ceType + "'"));
        if (!TaskCommand.class.isAssignableFrom(type)) {
            throw new EventCodecException("'" + ceType + "' is not a task command");
        }
        return (TaskCommand) decode(json, type);
    }
}
