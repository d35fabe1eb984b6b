package dev.tributary.events.codec;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.deser.std.StdScalarDeserializer;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * Reads {@link Instant} and {@link Duration} from ISO-8601 strings only. Jackson's own readers also
 * take JSON numbers (epoch seconds, or a count of seconds for a duration), so {@code "timeout":
 * 1000} would silently mean 1000 seconds; the contracts and schemas say strings, so numbers are
 * rejected.
 */
final class IsoTimeDeserializers {

    private IsoTimeDeserializers() {}

    static SimpleModule module() {
        return new SimpleModule("tributary-iso-time")
                .addDeserializer(Instant.class, new InstantDeserializer())
                .addDeserializer(Duration.class, new DurationDeserializer());
    }

    /** An RFC 3339 date-time with an offset ({@code Z} or {@code +02:00}), normalised to UTC. */
    static final class InstantDeserializer extends StdScalarDeserializer<Instant> {

        InstantDeserializer() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) {
            if (!p.hasToken(JsonToken.VALUE_STRING)) {
                return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
            }
            String text = p.getString();
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                return (Instant) ctxt.handleWeirdStringValue(
                        Instant.class, text, "not an RFC 3339 date-time with offset, e.g. 2025-05-01T10:15:30Z");
            }
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.DateTime;
        }
    }

    /** An ISO-8601 duration as {@link Duration#parse} reads it, e.g. {@code PT30S}. */
    static final class DurationDeserializer extends StdScalarDeserializer<Duration> {

        DurationDeserializer() {
            super(Duration.class);
        }

        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) {
            if (!p.hasToken(JsonToken.VALUE_STRING)) {
                return (Duration) ctxt.handleUnexpectedToken(Duration.class, p);
            }
            String text = p.getString();
            try {
                return Duration.parse(text);
            } catch (DateTimeParseException e) {
                return (Duration) ctxt.handleWeirdStringValue(
                        Duration.class, text, "not an ISO-8601 duration, e.g. PT30S or PT1H30M");
            }
        }

        @Override
        public LogicalType logicalType() {
            return LogicalType.DateTime;
        }
    }
}
