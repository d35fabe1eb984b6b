package dev.tributary.submission.control;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.submission.intake.FieldError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads the optional body of a control request: nothing, or {@code {"reason": "..."}} with a
 * reason of at most {@value #MAX_REASON} characters. Anything else is refused naming the field.
 */
final class ControlRequestReader {

    /** Longest reason, in characters. */
    static final int MAX_REASON = 1000;

    /** Longest body, in bytes (a reason of 1,000 four-byte characters, escaped, fits). */
    static final int MAX_BODY = 16 * 1024;

    private ControlRequestReader() {}

    /**
     * @return the reason, or null when the body is empty or gives none
     * @throws InvalidControlRequestException when the body is not such a document
     */
    static @Nullable String reason(InputStream body) throws IOException {
        byte[] bytes = body.readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw invalid("", "the body is larger than " + MAX_BODY + " bytes");
        }
        if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            return null;
        }
        JsonNode document;
        try {
            document = EventCodec.json().mapper().readTree(bytes);
        } catch (JacksonException e) {
            throw invalid("", "is not JSON: " + e.getOriginalMessage());
        }
        if (document == null || !document.isObject()) {
            throw invalid("", "must be a JSON object like {\"reason\": \"...\"}");
        }
        List<FieldError> errors = new ArrayList<>();
        String reason = null;
        for (Map.Entry<String, JsonNode> field : document.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (!name.equals("reason")) {
                errors.add(new FieldError(pointer(name), "is not a known field; only 'reason' is accepted"));
            } else if (value.isString()) {
                reason = value.asString();
                if (reason.indexOf('\0') >= 0) {
                    errors.add(new FieldError("/reason", "must not contain NUL (U+0000)"));
                } else if (reason.length() > MAX_REASON) {
                    errors.add(new FieldError(
                            "/reason", "is " + reason.length() + " characters long; at most " + MAX_REASON));
                }
            } else if (!value.isNull()) {
                errors.add(new FieldError(
                        "/reason",
                        "must be a string, was " + value.getNodeType().name().toLowerCase(Locale.ROOT)));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidControlRequestException(errors);
        }
        return reason;
    }

    private static InvalidControlRequestException invalid(String pointer, String reason) {
        return new InvalidControlRequestException(List.of(new FieldError(pointer, reason)));
    }

    /** A JSON Pointer to a top-level member (RFC 6901 escaping), the name clipped. */
    private static String pointer(String name) {
        String clipped = name.length() <= 64 ? name : name.substring(0, 64) + "…";
        return "/" + clipped.replace("~", "~0").replace("/", "~1");
    }
}
