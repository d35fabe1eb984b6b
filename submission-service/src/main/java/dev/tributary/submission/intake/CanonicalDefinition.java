package dev.tributary.submission.intake;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.WorkflowDefinition;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A workflow definition in canonical JSON (the codec's encoding with object members sorted by
 * name at every depth) and its SHA-256. Two submissions are the same definition exactly when their
 * hashes are equal: member order and whitespace do not matter, array order does, and durations
 * compare by length ({@code PT60S} = {@code PT1M}) because the record normalizes them.
 *
 * @param tree the canonical tree
 * @param json the canonical JSON text
 * @param sha256 lower-case hex SHA-256 of {@code json} in UTF-8
 */
public record CanonicalDefinition(JsonNode tree, String json, String sha256) {

    /** The canonical form of a definition (also used by the projection for workflows from the log). */
    public static CanonicalDefinition of(WorkflowDefinition definition) {
        JsonNode tree = sorted(EventCodec.json().toTree(definition));
        String json = EventCodec.json().encodeToString(tree);
        return new CanonicalDefinition(tree, json, sha256(json));
    }

    /**
     * What differs from another definition, roughly: the top-level fields, and for tasks which ids
     * were added, removed or changed.
     */
    List<String> differencesFrom(JsonNode stored) {
        JsonNode other = sorted(stored);
        List<String> differences = new ArrayList<>();
        Set<String> fields = new LinkedHashSet<>();
        other.propertyNames().forEach(fields::add);
        tree.propertyNames().forEach(fields::add);
        for (String field : fields) {
            if (field.equals("tasks") || other.path(field).equals(tree.path(field))) {
                continue;
            }
            differences.add(field + " differs");
        }
        Map<String, JsonNode> storedTasks = tasksById(other.path("tasks"));
        Map<String, JsonNode> submittedTasks = tasksById(tree.path("tasks"));
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        submittedTasks.forEach((id, task) -> {
            JsonNode before = storedTasks.get(id);
            if (before == null) {
                added.add(Snippets.clip(id));
            } else if (!before.equals(task)) {
                changed.add(Snippets.clip(id));
            }
        });
        storedTasks.keySet().stream()
                .filter(id -> !submittedTasks.containsKey(id))
                .map(Snippets::clip)
                .forEach(removed::add);
        describe("tasks added", added, differences);
        describe("tasks removed", removed, differences);
        describe("tasks changed", changed, differences);
        if (differences.isEmpty() && !other.path("tasks").equals(tree.path("tasks"))) {
            differences.add("task order differs");
        }
        if (differences.isEmpty()) {
            differences.add("the definitions differ");
        }
        return differences;
    }

    private static void describe(String what, List<String> ids, List<String> differences) {
        if (ids.isEmpty()) {
            return;
        }
        int shown = Math.min(ids.size(), 10);
        String list = String.join(", ", ids.subList(0, shown)) + (ids.size() > shown ? ", …" : "");
        differences.add(what + ": " + list);
    }

    private static Map<String, JsonNode> tasksById(JsonNode tasks) {
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        tasks.forEach(task -> byId.putIfAbsent(task.path("id").asString(""), task));
        return byId;
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            Map<String, JsonNode> members = new TreeMap<>();
            node.properties().forEach(member -> members.put(member.getKey(), sorted(member.getValue())));
            ObjectNode copy = EventCodec.json().mapper().createObjectNode();
            members.forEach(copy::set);
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = EventCodec.json().mapper().createArrayNode();
            node.forEach(element -> copy.add(sorted(element)));
            return copy;
        }
        return node;
    }

    private static String sha256(String json) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
