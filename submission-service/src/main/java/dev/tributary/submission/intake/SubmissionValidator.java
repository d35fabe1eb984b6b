package dev.tributary.submission.intake;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.codec.EventCodecException;
import dev.tributary.events.definition.WorkflowSubmission;
import dev.tributary.submission.SubmissionProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a request body into a {@link WorkflowSubmission} or rejects it with every problem found:
 * not JSON (400), the wrong JSON type somewhere (400), or a broken rule (422): schema, DAG, limits.
 * Pure apart from reading its settings; thread-safe.
 */
final class SubmissionValidator {

    private static final int MAX_PARSER_MESSAGE = 120;
    private static final Pattern SOURCE_REFERENCE = Pattern.compile("\\s*\\(?(start marker )?at \\[Source:.*$");

    /** Strict reader: duplicate keys and trailing content are errors, not silently resolved. */
    private final JsonMapper strictReader = EventCodec.json()
            .mapper()
            .rebuild()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    private final SubmissionSchema schema;
    private final DurationLimits durationLimits;
    private final int maxTasks;

    SubmissionValidator(SubmissionSchema schema, SubmissionProperties properties) {
        this.schema = schema;
        this.durationLimits = new DurationLimits(properties.maxTimeout(), properties.maxBackoff());
        this.maxTasks = properties.maxTasks();
    }

    /**
     * @throws InvalidSubmissionException with every problem found
     */
    WorkflowSubmission validate(byte[] body) {
        return validate(body, null);
    }

    /**
     * Validates a submission whose id may come from elsewhere (a Kafka record's key): when the
     * document is an object without an {@code id} (absent or null), {@code defaultId} is validated
     * and used as its id, exactly as if the document had carried it.
     *
     * @throws InvalidSubmissionException with every problem found
     */
    WorkflowSubmission validate(byte[] body, @Nullable String defaultId) {
        JsonNode document = parse(body);
        if (defaultId != null && document instanceof ObjectNode object) {
            JsonNode id = object.get("id");
            if (id == null || id.isNull()) {
                object.put("id", defaultId);
            }
        }
        List<FieldError> errors = new ArrayList<>();
        boolean typeErrors = false;
        for (SubmissionSchema.Violation violation : schema.validate(document)) {
            errors.add(new FieldError(violation.pointer(), violation.reason()));
            typeErrors |= violation.typeError();
        }
        if (document.isObject()) {
            errors.addAll(DagValidator.validate(dagNodes(document.get("tasks")), maxTasks));
            errors.addAll(durationLimits.check(document));
        }
        if (!errors.isEmpty()) {
            throw new InvalidSubmissionException(typeErrors, errors);
        }
        try {
            return EventCodec.json().treeToValue(withoutNulls(document), WorkflowSubmission.class);
        } catch (EventCodecException e) {
            // The schema admits almost only what the records read; what slips through is a value the
            // codec will not convert (e.g. 3.0 where an integer is expected): a type error, 400.
            throw new InvalidSubmissionException(
                    true, List.of(new FieldError(pointerOf(e), "cannot be read as the expected type")));
        }
    }

    /** The JSON Pointer of the value Jackson failed on, from the reference path of its exception. */
    private static String pointerOf(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof JacksonException jackson && !jackson.getPath().isEmpty()) {
                StringBuilder pointer = new StringBuilder();
                for (JacksonException.Reference reference : jackson.getPath()) {
                    pointer.append('/');
                    pointer.append(
                            reference.getPropertyName() != null
                                    ? Snippets.pointerToken(reference.getPropertyName())
                                    : String.valueOf(reference.getIndex()));
                }
                return pointer.toString();
            }
        }
        return "";
    }

    private JsonNode parse(byte[] body) {
        try {
            JsonNode document = strictReader.readTree(body);
            if (document == null || document.isMissingNode()) {
                throw malformed("", "is empty; expected a workflow as a JSON object");
            }
            return document;
        } catch (JacksonException e) {
            throw malformed(parserPointer(e), "is not well-formed JSON: " + shortMessage(e));
        }
    }

    private static InvalidSubmissionException malformed(String pointer, String reason) {
        return new InvalidSubmissionException(true, List.of(new FieldError(pointer, reason)));
    }

    private static String parserPointer(JacksonException e) {
        if (e instanceof StreamReadException read && read.processor() instanceof JsonParser parser) {
            try {
                return parser.streamReadContext().pathAsPointer().toString();
            } catch (RuntimeException ignored) {
                return "";
            }
        }
        return "";
    }

    private static String shortMessage(JacksonException e) {
        String message =
                String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
        if (message.startsWith("Trailing token")) {
            message = "content follows the end of the JSON document";
        }
        // Jackson appends where the enclosing value started; the line and column below say enough.
        message = SOURCE_REFERENCE.matcher(message).replaceFirst("");
        if (message.length() > MAX_PARSER_MESSAGE) {
            message = message.substring(0, MAX_PARSER_MESSAGE) + "…";
        }
        TokenStreamLocation location = e.getLocation();
        if (location != null && location.getLineNr() > 0) {
            message += " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
        }
        return message;
    }

    private static List<DagValidator.Node> dagNodes(JsonNode tasks) {
        if (tasks == null || !tasks.isArray()) {
            return List.of();
        }
        List<DagValidator.Node> nodes = new ArrayList<>(tasks.size());
        for (JsonNode task : tasks) {
            JsonNode id = task.get("id");
            List<String> dependsOn = new ArrayList<>();
            JsonNode dependencies = task.get("dependsOn");
            if (dependencies != null && dependencies.isArray()) {
                dependencies.forEach(dependency -> dependsOn.add(dependency.isString() ? dependency.asString() : null));
            }
            nodes.add(new DagValidator.Node(id != null && id.isString() ? id.asString() : null, dependsOn));
        }
        return nodes;
    }

    /**
     * Drops {@code null} members of the structural objects (the submission, its task defaults,
     * tasks, retry policies, timeouts, compensations) so that an explicit null and an absent field
     * are the same definition. Values inside {@code input} are the client's data and kept as sent.
     */
    static JsonNode withoutNulls(JsonNode node) {
        if (node.isObject()) {
            ObjectNode copy = EventCodec.json().mapper().createObjectNode();
            for (Map.Entry<String, JsonNode> member : node.properties()) {
                if (member.getValue().isNull()) {
                    continue;
                }
                boolean clientData =
                        member.getKey().equals("input") || member.getKey().equals("labels");
                copy.set(member.getKey(), clientData ? member.getValue() : withoutNulls(member.getValue()));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = EventCodec.json().mapper().createArrayNode();
            node.forEach(element -> copy.add(withoutNulls(element)));
            return copy;
        }
        return node;
    }
}
