package dev.tributary.submission.rebuild;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.submission.intake.FieldError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** Reads the body of a replay request: nothing, or {@code {"from": "<ISO-8601 instant>"}}. */
final class ReplayRequestReader {

    /** Longest body, in bytes. */
    static final int MAX_BODY = 4 * 1024;

    private ReplayRequestReader() {}

    /**
     * @param required whether {@code from} must be given
     * @return the timestamp, or null when none is given (and none is required)
     * @throws InvalidReplayRequestException when the body is not such a document
     */
    static @Nullable Instant from(InputStream body, boolean required) throws IOException {
        byte[] bytes = body.readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw invalid("", "the body is larger than " + MAX_BODY + " bytes");
        }
        JsonNode document = null;
        if (!new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            try {
                document = EventCodec.json().mapper().readTree(bytes);
            } catch (JacksonException e) {
                throw invalid("", "is not JSON: " + e.getOriginalMessage());
            }
            if (document == null || !document.isObject()) {
                throw invalid("", "must be a JSON object like {\"from\": \"2026-01-01T00:00:00Z\"}");
            }
        }
        Instant from = null;
        if (document != null) {
            for (Map.Entry<String, JsonNode> field : document.properties()) {
                String name = field.getKey();
                JsonNode value = field.getValue();
                if (!name.equals("from")) {
                    throw invalid(pointer(name), "is not a known field; only 'from' is accepted");
                } else if (value.isString()) {
                    try {
                        from = Instant.parse(value.asString());
                    } catch (DateTimeParseException e) {
                        throw invalid("/from", "is not an ISO-8601 instant such as 2026-01-01T00:00:00Z");
                    }
                } else if (!value.isNull()) {
                    throw invalid(
                            "/from",
                            "must be a string (an ISO-8601 instant), was "
                                    + value.getNodeType().name().toLowerCase(Locale.ROOT));
                }
            }
        }
        if (from == null && required) {
            throw invalid("/from", "is required: the timestamp to replay from, e.g. 2026-01-01T00:00:00Z");
        }
        return from;
    }

    private static InvalidReplayRequestException invalid(String pointer, String reason) {
        return new InvalidReplayRequestException(List.of(new FieldError(pointer, reason)));
    }

    /** A JSON Pointer to a top-level member (RFC 6901 escaping), the name clipped. */
    private static String pointer(String name) {
        String clipped = name.length() <= 64 ? name : name.substring(0, 64) + "…";
        return "/" + clipped.replace("~", "~0").replace("/", "~1");
    }
}
