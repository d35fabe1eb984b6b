package dev.tributary.events.codec;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tributary.events.EventTypes;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.task.TaskCommand;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * The one JSON codec for contract records.
 *
 * <ul>
 *   <li>Readers are tolerant of new fields (unknown fields are ignored, so contracts can grow
 *       additively) but strict about types: no coercion between strings, numbers and booleans, no
 *       fractional numbers truncated into integers, no empty strings read as {@code null}, and
 *       times and durations only as ISO-8601 strings (never epoch numbers).
 *   <li>Writers omit {@code null} fields and write {@code Instant} as an RFC 3339 UTC string
 *       ({@code 2025-05-01T10:15:30.123Z}) and {@code Duration} as an ISO-8601 duration ({@code
 *       PT1M30S}); typed ids are plain strings, also as map keys.
 *   <li>History events and task commands are checked against their null-marking on both encode and
 *       decode: a required field that is absent or {@code null} is an {@link EventCodecException}
 *       naming its JSON pointer, never a record with a {@code null} inside.
 * </ul>
 *
 * Thread-safe; share one instance.
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
                // "attempt": 2.7 must not become 2, "attempt": "2" must not become 2
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // "" must not become null (an enum, a time, a list) ...
                .withCoercionConfigDefaults(
                        config -> config.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
                // ... and 5 or true must not become the string "5" or "true"
                .withCoercionConfig(
                        LogicalType.Textual,
                        config -> config.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .addModule(IsoTimeDeserializers.module())
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
        checkRequired(value);
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new EventCodecException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    public String encodeToString(Object value) {
        checkRequired(value);
        try {
            return mapper.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new EventCodecException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    public JsonNode toTree(Object value) {
        checkRequired(value);
        try {
            return mapper.valueToTree(value);
        } catch (JacksonException e) {
            throw new EventCodecException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    public <T> T decode(byte[] json, Class<T> type) {
        T value;
        try {
            value = mapper.readValue(json, type);
        } catch (JacksonException e) {
            throw invalid(type, e);
        }
        return checked(value, type);
    }

    public <T> T decode(String json, Class<T> type) {
        T value;
        try {
            value = mapper.readValue(json, type);
        } catch (JacksonException e) {
            throw invalid(type, e);
        }
        return checked(value, type);
    }

    public <T> T treeToValue(JsonNode tree, Class<T> type) {
        T value;
        try {
            value = mapper.treeToValue(tree, type);
        } catch (JacksonException e) {
            throw invalid(type, e);
        }
        return checked(value, type);
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

    /**
     * Decodes a task command by its {@code ce_type}.
     *
     * @throws EventCodecException when the type is unknown, not a task command, or the JSON does
     *     not match it
     */
    public TaskCommand decodeCommand(String ceType, byte[] json) {
        Class<?> type = EventTypes.classOf(ceType)
                .orElseThrow(() -> new EventCodecException("unknown command type '" + ceType + "'"));
        if (!TaskCommand.class.isAssignableFrom(type)) {
            throw new EventCodecException("'" + ceType + "' is not a task command");
        }
        return (TaskCommand) decode(json, type);
    }

    /**
     * Decodes a history record from its CloudEvents headers and value: the envelope says the type,
     * the value is decoded as that type.
     *
     * @throws EventCodecException when a header is missing or malformed, or the value does not
     *     decode as a history event of the header's type
     */
    public EventEnvelope<WorkflowEvent> decodeEvent(Map<String, String> headers, byte[] json) {
        EventEnvelope<byte[]> envelope = EventEnvelope.fromHeaders(headers, json);
        return envelope.withPayload(decodeEvent(envelope.type(), json));
    }

    /**
     * Decodes a task-topic record from its CloudEvents headers and value.
     *
     * @throws EventCodecException when a header is missing or malformed, or the value does not
     *     decode as a task command of the header's type
     */
    public EventEnvelope<TaskCommand> decodeCommand(Map<String, String> headers, byte[] json) {
        EventEnvelope<byte[]> envelope = EventEnvelope.fromHeaders(headers, json);
        return envelope.withPayload(decodeCommand(envelope.type(), json));
    }

    private static <T> T checked(T value, Class<T> type) {
        if (value == null) {
            throw new EventCodecException("empty " + type.getSimpleName() + " document");
        }
        try {
            checkRequired(value);
        } catch (EventCodecException e) {
            throw new EventCodecException("not a valid " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
        return value;
    }

    private static void checkRequired(Object value) {
        if (value instanceof WorkflowEvent || value instanceof TaskCommand) {
            RequiredComponents.check(value);
        }
    }

    /** The reason names the JSON pointer of the offending value but never echoes the document. */
    private static EventCodecException invalid(Class<?> type, JacksonException e) {
        StringBuilder pointer = new StringBuilder();
        for (JacksonException.Reference reference : e.getPath()) {
            pointer.append('/');
            String name = reference.getPropertyName();
            pointer.append(name != null ? name.replace("~", "~0").replace("/", "~1") : reference.getIndex());
        }
        String at = pointer.isEmpty() ? "" : " at " + pointer;
        return new EventCodecException("not a valid " + type.getSimpleName() + at + ": " + e.getOriginalMessage(), e);
    }
}
