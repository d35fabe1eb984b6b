package dev.tributary.benchmark;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The workflow every submission of a run carries: its tasks (by index), their dependencies and
 * task type.
 *
 * @param description what a reader of the report sees
 * @param taskIds task ids by index
 * @param parents for each task, the indexes of the tasks it depends on
 * @param type the task type of every task ({@code noop} or {@code sleep})
 * @param sleepMillis how long a {@code sleep} task sleeps
 */
record Workload(String description, List<String> taskIds, List<List<Integer>> parents, String type, long sleepMillis) {

    /**
     * @param kind {@code chain}, {@code fan} (root, {@code tasks - 2} parallel, join), {@code
     *     diamond} (root, two parallel chains, join) or {@code random} (seeded layered DAG)
     */
    static Workload of(String kind, int tasks, String type, long sleepMillis, long seed) {
        List<String> ids = new ArrayList<>();
        List<List<Integer>> parents = new ArrayList<>();
        String description;
        switch (kind.toLowerCase(Locale.ROOT)) {
            case "chain" -> {
                require(tasks >= 1, "a chain needs at least one task");
                for (int i = 0; i < tasks; i++) {
                    add(ids, parents, "t" + i, i == 0 ? List.of() : List.of(i - 1));
                }
                description = "chain of " + tasks;
            }
            case "fan" -> {
                require(tasks >= 3, "a fan needs at least 3 tasks (root, one branch, join)");
                add(ids, parents, "root", List.of());
                List<Integer> branches = new ArrayList<>();
                for (int i = 0; i < tasks - 2; i++) {
                    branches.add(add(ids, parents, "b" + i, List.of(0)));
                }
                add(ids, parents, "join", branches);
                description = "fan-out of " + (tasks - 2) + " + join (" + tasks + " tasks)";
            }
            case "diamond" -> {
                require(tasks >= 4 && tasks % 2 == 0, "a diamond needs an even number of tasks, at least 4");
                int length = (tasks - 2) / 2;
                add(ids, parents, "root", List.of());
                List<Integer> ends = new ArrayList<>();
                for (String side : List.of("l", "r")) {
                    int previous = 0;
                    for (int i = 0; i < length; i++) {
                        previous = add(ids, parents, side + i, List.of(previous));
                    }
                    ends.add(previous);
                }
                add(ids, parents, "join", ends);
                description = "diamond: root, two parallel chains of " + length + ", join (" + tasks + " tasks)";
            }
            case "random" -> {
                require(tasks >= 2, "a random DAG needs at least 2 tasks");
                Random random = new Random(seed);
                int layers = Math.max(2, Math.min(tasks, (int) Math.round(Math.sqrt(tasks)) + 1));
                List<List<Integer>> byLayer = new ArrayList<>();
                for (int layer = 0; layer < layers; layer++) {
                    byLayer.add(new ArrayList<>());
                }
                for (int i = 0; i < tasks; i++) {
                    // Every layer gets at least one task, the rest land at random.
                    int layer = i < layers ? i : random.nextInt(layers);
                    byLayer.get(layer).add(i);
                }
                int[] layerOf = new int[tasks];
                List<Integer> order = new ArrayList<>();
                for (int layer = 0; layer < layers; layer++) {
                    for (int task : byLayer.get(layer)) {
                        layerOf[task] = layer;
                        order.add(task);
                    }
                }
                Map<Integer, Integer> indexOf = new HashMap<>();
                for (int task : order) {
                    indexOf.put(task, indexOf.size());
                }
                for (int task : order) {
                    int layer = layerOf[task];
                    List<Integer> dependsOn = new ArrayList<>();
                    if (layer > 0) {
                        List<Integer> previous = byLayer.get(layer - 1);
                        int count = 1 + random.nextInt(Math.min(3, previous.size()));
                        List<Integer> pool = new ArrayList<>(previous);
                        for (int p = 0; p < count; p++) {
                            dependsOn.add(indexOf.get(pool.remove(random.nextInt(pool.size()))));
                        }
                        dependsOn.sort(null);
                    }
                    add(ids, parents, "n" + indexOf.get(task), dependsOn);
                }
                description = "random layered DAG (" + tasks + " tasks, " + layers + " layers, seed " + seed + ")";
            }
            default ->
                throw new IllegalArgumentException("workload must be chain, fan, diamond or random, not " + kind);
        }
        String what = type.equals("sleep") ? "sleep " + sleepMillis + " ms" : type;
        return new Workload(description + ", " + what + " tasks", ids, parents, type, sleepMillis);
    }

    private static int add(List<String> ids, List<List<Integer>> parents, String id, List<Integer> dependsOn) {
        ids.add(id);
        parents.add(List.copyOf(dependsOn));
        return ids.size() - 1;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    int size() {
        return taskIds.size();
    }

    /** Task id → index. */
    Map<String, Integer> indexes() {
        Map<String, Integer> indexes = new HashMap<>();
        for (int i = 0; i < taskIds.size(); i++) {
            indexes.put(taskIds.get(i), i);
        }
        return indexes;
    }

    /** The submission body for a workflow with this id (ids are plain ASCII). */
    String json(String workflowId) {
        StringBuilder json = new StringBuilder(256 + 80 * taskIds.size());
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
            if (type.equals("sleep")) {
                json.append(",\"input\":{\"duration\":").append(sleepMillis).append('}');
            }
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
