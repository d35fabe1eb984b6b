package dev.tributary.submission.intake;

import tools.jackson.databind.JsonNode;

/**
 * Short quotes of submitted values for error reasons: never a whole payload, never control
 * characters (so a reason cannot forge log lines).
 */
final class Snippets {

    static final int MAX_CHARS = 40;

    private Snippets() {}

    /** A string value in double quotes, truncated. */
    static String quote(String value) {
        return "\"" + clip(value) + "\"";
    }

    /** A scalar as written in JSON (strings quoted), truncated; containers as {@code an object}. */
    static String quote(JsonNode value) {
        if (value.isString()) {
            return quote(value.asString());
        }
        if (value.isObject()) {
            return "an object";
        }
        if (value.isArray()) {
            return "an array";
        }
        return clip(value.toString());
    }

    static String clip(String value) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_CHARS + 1));
        int count = 0;
        for (int i = 0; i < value.length() && count < MAX_CHARS; i++, count++) {
            char c = value.charAt(i);
            out.append(Character.isISOControl(c) ? '\uFFFD' : c);
        }
        if (value.length() > MAX_CHARS) {
            out.append('…');
        }
        return out.toString();
    }

    /** Escapes one JSON Pointer reference token (RFC 6901). */
    static String pointerToken(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
