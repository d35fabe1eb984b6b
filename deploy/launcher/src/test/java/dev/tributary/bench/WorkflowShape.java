package dev.tributary.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The workflow every benchmark submission runs: {@code fan} (one root, {@code tasks - 2} parallel
 * tasks, one join) or {@code chain} ({@code tasks} in a row), all of one task type.
 *
 * @param parents for each task (by index), the indexes of the tasks it depends on
 */
record WorkflowShape(String description, List<String> taskIds, List<List<Integer>> parents, String type) {

    static WorkflowShape of(String kind, int tasks, String type) {
        List<String> ids = new ArrayList<>();
        List<List<Integer>> parents = new ArrayList<>();
        switch (kind.toLowerCase(Locale.ROOT)) {
            case "fan" -> {
                if (tasks < 3) {
                    throw new IllegalArgumentException("a fan needs at least 3 tasks (root, one branch, join)");
                }
                ids.add("root");
                parents.add(List.of());
                List<Integer> branches = new ArrayList<>();
                for (int i = 0; i < tasks - 2; i++) {
                    ids.add("b" + i);
                    parents.add(List.of(0));
                    branches.add(ids.size() - 1);
                }
                ids.add("join");
                parents.add(List.copyOf(branches));
                return new WorkflowShape(
                        "fan: 1 root, " + (tasks - 2) + " parallel, 1 join (" + tasks + " " + type + " tasks)",
                        ids,
                        parents,
                        type);
            }
            case "chain" -> {
                if (tasks < 1) {
                    throw new IllegalArgumentException("a chain needs at least one task");
                }
                for (int i = 0; i < tasks; i++) {
                    ids.add("t" + i);
                    parents.add(i == 0 ? List.of() : List.of(i - 1));
                }
                return new WorkflowShape("chain of " + tasks + " " + type + " tasks", ids, parents, type);
            }
            default -> throw new IllegalArgumentException("shape must be fan or chain, not " + kind);
        }
    }

    int size() {
        return taskIds.size();
    }

    /** Tasks with at least one dependency: one release-latency sample each per workflow. */
    int dependentTasks() {
        return (int) parents.stream().filter(p -> !p.isEmpty()).count();
    }

    /** Task id → index, for the history reader. */
    Map<String, Integer> indexes() {
        Map<String, Integer> indexes = new HashMap<>();
        for (int i = 0; i < taskIds.size(); i++) {
            indexes.put(taskIds.get(i), i);
        }
        return indexes;
    }

    /** The submission body for a workflow with this id (ids are plain ASCII, no escaping needed). */
    String json(String workflowId) {
        StringBuilder json = new StringBuilder(256 + 64 * taskIds.size());
        json.append("{\"id\":\"").append(workflowId).append("\",\"name\":\"bench\",\"tasks\":[");
        for (int i = 0; i < taskIds.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append("{\"id\":\"")
                    .append(taskIds.get(i))
                    .append("\",\"type\":\"")
                    .append(type)
                    .append('"');
            List<Integer> dependsOn = parents.get(i);
            if (!dependsOn.isEmpty()) {
                json.append(",\"dependsOn\":[");
                for (int p = 0; p < dependsOn.size(); p++) {
                    if (p > 0) {
                        json.append(',');
                    }
                    json.append('"').append(taskIds.get(dependsOn.get(p))).append('"');
                }
                json.append(']');
            }
            json.append('}');
        }
        return json.append("]}").toString();
    }
}
