package dev.tributary.worker.handler;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** Reads fields of a task input; every malformed field is a permanent {@code BAD_INPUT}. */
final class Inputs {

    static final String BAD_INPUT = "BAD_INPUT";

    private Inputs() {}

    static PermanentTaskException badInput(String message) {
        return new PermanentTaskException(BAD_INPUT, message);
    }

    /** The object input of a task; a task without input reads as one with no fields. */
    static JsonNode object(JsonNode input) {
        if (input.isNull() || input.isMissingNode()) {
            return input;
        }
        if (!input.isObject()) {
            throw badInput("input must be a JSON object");
        }
        return input;
    }

    static @Nullable String optionalString(JsonNode input, String field) {
        JsonNode node = input.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw badInput("'" + field + "' must be a string");
        }
        return node.stringValue();
    }

    static @Nullable Boolean optionalBoolean(JsonNode input, String field) {
        JsonNode node = input.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            throw badInput("'" + field + "' must be true or false");
        }
        return node.booleanValue();
    }

    static @Nullable Integer optionalInt(JsonNode input, String field) {
        JsonNode node = input.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw badInput("'" + field + "' must be an integer");
        }
        return node.intValue();
    }

    /**
     * A non-negative duration given either as an ISO 8601 string ({@code "PT1.5S"}) or as a number
     * of milliseconds ({@code 1500}).
     */
    static @Nullable Duration optionalDuration(JsonNode input, String field) {
        JsonNode node = input.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        Duration duration;
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            duration = Duration.ofMillis(node.longValue());
        } else if (node.isString()) {
            try {
                duration = Duration.parse(node.stringValue());
            } catch (DateTimeParseException e) {
                throw badInput("'" + field + "' must be an ISO 8601 duration such as PT1S or a number of milliseconds");
            }
        } else {
            throw badInput("'" + field + "' must be an ISO 8601 duration such as PT1S or a number of milliseconds");
        }
        if (duration.isNegative()) {
            throw badInput("'" + field + "' must not be negative");
        }
        return duration;
    }
}
