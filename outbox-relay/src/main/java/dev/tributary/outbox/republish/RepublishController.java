package dev.tributary.outbox.republish;

import dev.tributary.outbox.republish.OutboxRepublisher.RepublishFailedException;
import dev.tributary.outbox.republish.OutboxRepublisher.Result;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /admin/outbox/republish} with {@code {"from": "<instant>", "to": "<instant>",
 * "topic"?: "..."}}: re-publishes the retained outbox rows created in {@code [from, to)} and answers
 * {@code 200 {"republished", "from", "to", "topic"?, "oldestRetained", "complete", "byTopic",
 * "deadLettered"}} (plus a {@code note} when the range may be incomplete). A missing, malformed or
 * reversed range is a {@code 400} problem naming the field; Kafka not acknowledging is a {@code
 * 503} problem with the count re-published before it (running it again is safe: same ids).
 */
@RestController
public class RepublishController {

    /** The path, on the port of each service that has an outbox. */
    public static final String PATH = "/admin/outbox/republish";

    private static final String TYPE_BASE = "https://tributary.dev/problems/";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final OutboxRepublisher republisher;

    public RepublishController(OutboxRepublisher republisher) {
        this.republisher = republisher;
    }

    @PostMapping(path = PATH)
    public ResponseEntity<?> republish(@RequestBody(required = false) @Nullable String body) {
        List<Map<String, String>> errors = new ArrayList<>();
        OutboxRepublisher.Range range = parse(body, errors);
        if (range == null) {
            return invalidRange(errors);
        }
        Result result;
        try {
            result = republisher.republish(range);
        } catch (RepublishFailedException e) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    e.getMessage() + ". " + e.republished()
                            + " events were re-published before; running it again is safe (same ce_id).");
            problem.setType(URI.create(TYPE_BASE + "republish-failed"));
            problem.setTitle("Re-publish interrupted");
            problem.setInstance(URI.create(PATH));
            problem.setProperty("republished", e.republished());
            return problem(problem);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("republished", result.republished());
        answer.put("from", range.from().toString());
        answer.put("to", range.to().toString());
        if (range.topic() != null) {
            answer.put("topic", range.topic());
        }
        answer.put(
                "oldestRetained",
                result.oldestRetained() == null ? null : result.oldestRetained().toString());
        answer.put("complete", result.complete());
        answer.put("byTopic", result.byTopic());
        answer.put("deadLettered", result.deadLettered());
        if (!result.complete()) {
            answer.put(
                    "note",
                    republisher.retainsRelayedRows()
                            ? "from is older than the oldest retained outbox row and the retention"
                                    + " (tributary.outbox.retention): rows before oldestRetained may have been deleted"
                            : "the polling relay deletes rows once Kafka acknowledged them: only rows not relayed"
                                    + " yet were left to re-publish");
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(answer);
    }

    private static OutboxRepublisher.@Nullable Range parse(@Nullable String body, List<Map<String, String>> errors) {
        JsonNode root;
        try {
            root = body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (JacksonException e) {
            root = null;
        }
        if (root == null || !root.isObject()) {
            errors.add(error("", "must be a JSON object {\"from\": \"<instant>\", \"to\": \"<instant>\"}"));
            return null;
        }
        Instant from = instant(root, "from", errors);
        Instant to = instant(root, "to", errors);
        String topic = null;
        JsonNode topicNode = root.get("topic");
        if (topicNode != null && !topicNode.isNull()) {
            if (!topicNode.isString() || topicNode.asString().isBlank()) {
                errors.add(error("/topic", "must be a non-empty topic name"));
            } else {
                topic = topicNode.asString();
            }
        }
        if (from != null && to != null && !from.isBefore(to)) {
            errors.add(error("/to", "must be after from (" + from + ")"));
        }
        if (!errors.isEmpty() || from == null || to == null) {
            return null;
        }
        return new OutboxRepublisher.Range(from, to, topic);
    }

    private static @Nullable Instant instant(JsonNode root, String field, List<Map<String, String>> errors) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            errors.add(error("/" + field, "is required (an ISO-8601 instant such as 2026-11-28T02:00:00Z)"));
            return null;
        }
        if (!node.isString()) {
            errors.add(error("/" + field, "must be an ISO-8601 instant string such as 2026-11-28T02:00:00Z"));
            return null;
        }
        try {
            return Instant.parse(node.asString());
        } catch (DateTimeParseException e) {
            errors.add(error(
                    "/" + field,
                    "must be an ISO-8601 instant such as 2026-11-28T02:00:00Z, was '" + clip(node.asString()) + "'"));
            return null;
        }
    }

    private static ResponseEntity<ProblemDetail> invalidRange(List<Map<String, String>> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.BAD_REQUEST,
                "Invalid re-publish range at "
                        + String.join(
                                ", ",
                                errors.stream()
                                        .map(error ->
                                                error.get("pointer").isEmpty() ? "the body" : error.get("pointer"))
                                        .toList())
                        + "; nothing was re-published.");
        problem.setType(URI.create(TYPE_BASE + "invalid-republish-range"));
        problem.setTitle("Invalid re-publish range");
        problem.setInstance(URI.create(PATH));
        problem.setProperty("errors", errors);
        return problem(problem);
    }

    private static ResponseEntity<ProblemDetail> problem(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    private static Map<String, String> error(String pointer, String reason) {
        Map<String, String> error = new LinkedHashMap<>();
        error.put("pointer", pointer);
        error.put("reason", reason);
        return error;
    }

    private static String clip(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }
}
