package dev.tributary.submission.intake;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.tributary.events.EventTypes;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.WorkflowSubmission;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The published submission JSON Schema ({@code tributary.workflow.submission.v1}) with its
 * validator's findings translated into short, human reasons at JSON Pointers. Thread-safe.
 */
final class SubmissionSchema {

    /** One finding; {@code typeError} marks a value of the wrong JSON type (answered with 400). */
    record Violation(String pointer, String reason, boolean typeError) {}

    private static final String TASK_ID_RULE =
            "must be 1 to 64 characters: letters, digits, '_', '.' or '-', starting with a letter or digit";
    private static final String TASK_TYPE_RULE =
            "must be 1 to 64 characters: lower-case letters, digits, '_', '.' or '-', starting with a letter or"
                    + " digit (it names the topic tributary.tasks.<type>)";
    private static final String WORKFLOW_ID_RULE =
            "must be 1 to 128 characters: letters, digits, '_', '.', ':' or '-', starting with a letter or digit";
    private static final String DURATION_RULE =
            "must be an ISO-8601 duration in days, hours, minutes and seconds, such as PT30S, PT5M, PT2H or P1DT12H";
    private static final String NAME_RULE = "must be 1 to 256 characters and not blank";

    /** Reasons for string rules (pattern and length), keyed by the schema location of the value. */
    private static final Map<String, String> STRING_RULES = Map.of(
            "/$defs/taskId", TASK_ID_RULE,
            "/$defs/taskType", TASK_TYPE_RULE,
            "/properties/id", WORKFLOW_ID_RULE,
            "/$defs/duration", DURATION_RULE,
            "/properties/name", NAME_RULE);

    private final JsonNode schemaNode;
    private final Schema schema;

    private SubmissionSchema(JsonNode schemaNode) {
        this.schemaNode = schemaNode;
        this.schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(schemaNode);
    }

    /** Loads the schema that shared-events publishes for {@link WorkflowSubmission}. */
    static SubmissionSchema load() {
        String path = EventTypes.schemaPath(EventTypes.of(WorkflowSubmission.class));
        try (InputStream in = SubmissionSchema.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("submission schema not on the classpath: " + path);
            }
            return new SubmissionSchema(EventCodec.json().readTree(in.readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** Every violation of the schema, without duplicates, in the validator's order. */
    List<Violation> validate(JsonNode document) {
        Set<Violation> violations = new LinkedHashSet<>();
        for (Error error : schema.validate(document)) {
            violations.add(translate(error));
        }
        return new ArrayList<>(violations);
    }

    private Violation translate(Error error) {
        String pointer = error.getInstanceLocation().toString();
        String keyword = String.valueOf(error.getKeyword());
        String schemaPath = error.getSchemaLocation().getFragment().toString();
        String owner = schemaPath.substring(0, Math.max(0, schemaPath.lastIndexOf('/')));
        JsonNode value = error.getInstanceNode();
        String property = error.getProperty();
        return switch (keyword) {
            case "type" -> new Violation(pointer, typeReason(error.getSchemaNode(), value), true);
            case "required" -> new Violation(child(pointer, property), "is required", false);
            case "additionalProperties" ->
                new Violation(
                        child(pointer, property),
                        "is not a known field (known fields: " + knownFields(owner) + ")",
                        false);
            case "propertyNames" ->
                new Violation(
                        child(pointer, property),
                        "is not a valid label name: must be 1 to 128 characters"
                                + (property == null ? "" : " (got " + Snippets.quote(property) + ")"),
                        false);
            case "pattern", "minLength", "maxLength" -> stringRule(pointer, keyword, owner, error, value);
            case "minItems" ->
                new Violation(
                        pointer,
                        owner.equals("/properties/tasks")
                                ? "must contain at least one task"
                                : "must have at least " + argument(error, 0) + " items",
                        false);
            case "maxItems" -> new Violation(pointer, "must have at most " + argument(error, 0) + " items", false);
            case "maxProperties" ->
                new Violation(pointer, "must have at most " + argument(error, 0) + " entries", false);
            case "uniqueItems" -> duplicate(pointer, value);
            case "minimum" ->
                new Violation(
                        pointer,
                        "must be at least " + argument(error, 0) + " (got " + Snippets.quote(value) + ")",
                        false);
            case "maximum" ->
                new Violation(
                        pointer,
                        "must be at most " + argument(error, 0) + " (got " + Snippets.quote(value) + ")",
                        false);
            default -> new Violation(pointer, String.valueOf(error.getMessage()), false);
        };
    }

    private static Violation stringRule(
            String pointer, String keyword, String owner, Error error, @Nullable JsonNode value) {
        String rule = STRING_RULES.get(owner);
        if (rule == null) {
            rule = switch (keyword) {
                case "minLength" -> "must be at least " + argument(error, 0) + " characters long";
                case "maxLength" -> "must be at most " + argument(error, 0) + " characters long";
                default -> "must match the pattern " + argument(error, 0);
            };
        }
        String got = value == null ? "" : " (got " + Snippets.quote(value) + ")";
        return new Violation(pointer, rule + got, false);
    }

    private static Violation duplicate(String pointer, @Nullable JsonNode array) {
        if (array != null && array.isArray()) {
            Map<JsonNode, Integer> seen = new HashMap<>();
            for (int i = 0; i < array.size(); i++) {
                Integer first = seen.putIfAbsent(array.get(i), i);
                if (first != null) {
                    return new Violation(
                            pointer + "/" + i,
                            "repeats " + Snippets.quote(array.get(i)) + " (already at " + pointer + "/" + first + ")",
                            false);
                }
            }
        }
        return new Violation(pointer, "must not contain the same value twice", false);
    }

    private String knownFields(String owner) {
        JsonNode properties = schemaNode.at(owner + "/properties");
        StringJoiner names = new StringJoiner(", ");
        properties.propertyNames().forEach(names::add);
        return names.toString();
    }

    private static String typeReason(@Nullable JsonNode expected, @Nullable JsonNode value) {
        List<String> types = new ArrayList<>();
        if (expected != null && expected.isArray()) {
            expected.forEach(type -> types.add(type.asString()));
        } else if (expected != null) {
            types.add(expected.asString());
        }
        if (types.size() > 1) {
            types.remove("null");
        }
        StringJoiner wanted = new StringJoiner(" or ");
        types.forEach(type -> wanted.add(article(type)));
        return "must be " + wanted + ", not " + (value == null ? "something else" : describe(value));
    }

    private static String article(String jsonType) {
        return switch (jsonType) {
            case "object" -> "a JSON object";
            case "array" -> "an array";
            case "integer" -> "an integer";
            case "null" -> "null";
            default -> "a " + jsonType;
        };
    }

    private static String describe(JsonNode value) {
        if (value.isNull()) {
            return "null";
        }
        if (value.isObject()) {
            return "a JSON object";
        }
        if (value.isArray()) {
            return "an array";
        }
        if (value.isNumber()) {
            return "the number " + Snippets.quote(value);
        }
        if (value.isBoolean()) {
            return "the boolean " + value;
        }
        return "the string " + Snippets.quote(value);
    }

    private static String argument(Error error, int index) {
        Object[] arguments = error.getArguments();
        return arguments != null && arguments.length > index ? String.valueOf(arguments[index]) : "?";
    }

    private static String child(String pointer, @Nullable String property) {
        return property == null ? pointer : pointer + "/" + Snippets.pointerToken(property);
    }
}
