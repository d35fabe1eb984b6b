package dev.tributary.submission.projection;

import dev.tributary.events.codec.EventCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * PostgreSQL stores no NUL character in {@code text} or {@code jsonb} ({@code \u0000} is rejected),
 * yet a task's output or error message may contain one. A rejected statement would fail the whole
 * batch again and again, so NUL is replaced by U+FFFD before it reaches the database.
 */
final class PgText {

    private static final char NUL = '\0';
    private static final char REPLACEMENT = '\uFFFD';

    private PgText() {}

    /** The text with every NUL replaced. */
    static String text(String value) {
        return value.indexOf(NUL) < 0 ? value : value.replace(NUL, REPLACEMENT);
    }

    /** JSON text that jsonb accepts: every NUL in a string or a member name replaced. */
    static String json(String json) {
        if (!json.contains("\\u0000")) {
            return json;
        }
        JsonNode tree = EventCodec.json().readTree(json.getBytes(StandardCharsets.UTF_8));
        return EventCodec.json().encodeToString(clean(tree));
    }

    /** A JSON tree that jsonb accepts. */
    static JsonNode clean(JsonNode node) {
        if (node.isString()) {
            String value = node.asString();
            return value.indexOf(NUL) < 0 ? node : StringNode.valueOf(text(value));
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> member : node.properties()) {
                copy.set(text(member.getKey()), clean(member.getValue()));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            for (JsonNode element : node) {
                copy.add(clean(element));
            }
            return copy;
        }
        return node;
    }
}
