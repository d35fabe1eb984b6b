package dev.tributary.system;

import dev.tributary.events.codec.EventCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Builds workflow submissions as JSON for the end-to-end tests. */
final class Dags {

    private final String name;
    private final List<Map<String, Object>> tasks = new ArrayList<>();

    private Dags(String name) {
        this.name = name;
    }

    static Dags named(String name) {
        return new Dags(name);
    }

    Dags task(String id, String type, List<String> dependsOn) {
        return task(id, type, dependsOn, null);
    }

    Dags task(String id, String type, List<String> dependsOn, Object input) {
        Map<String, Object> task = new LinkedHashMap<>();
        task.put("id", id);
        task.put("type", type);
        if (!dependsOn.isEmpty()) {
            task.put("dependsOn", dependsOn);
        }
        if (input != null) {
            task.put("input", input);
        }
        tasks.add(task);
        return this;
    }

    /** The task ids and their dependencies, for checking the history. */
    Map<String, List<String>> dependencies() {
        Map<String, List<String>> dependencies = new LinkedHashMap<>();
        for (Map<String, Object> task : tasks) {
            @SuppressWarnings("unchecked")
            List<String> dependsOn = (List<String>) task.getOrDefault("dependsOn", List.of());
            dependencies.put((String) task.get("id"), dependsOn);
        }
        return dependencies;
    }

    String json() {
        return EventCodec.json().encodeToString(Map.of("name", name, "tasks", tasks));
    }

    static Dags diamond(String type) {
        return named("diamond")
                .task("a", type, List.of())
                .task("b", type, List.of("a"))
                .task("c", type, List.of("a"))
                .task("d", type, List.of("b", "c"));
    }

    static Dags chain(int length, String type) {
        Dags dags = named("chain-" + length);
        for (int i = 0; i < length; i++) {
            dags.task("t" + i, type, i == 0 ? List.of() : List.of("t" + (i - 1)));
        }
        return dags;
    }

    static Dags fanOutFanIn(int width, String type) {
        Dags dags = named("fan-" + width).task("start", type, List.of());
        List<String> branches = new ArrayList<>();
        for (int i = 0; i < width; i++) {
            dags.task("b" + i, type, List.of("start"));
            branches.add("b" + i);
        }
        return dags.task("join", type, branches);
    }

    /** A random DAG: each task depends on up to three earlier tasks, chosen by a seeded random. */
    static Dags random(int size, long seed, String type) {
        Random random = new Random(seed);
        Dags dags = named("random-" + size + "-" + seed);
        for (int i = 0; i < size; i++) {
            List<String> dependsOn = new ArrayList<>();
            int parents = i == 0 ? 0 : random.nextInt(Math.min(i, 3) + 1);
            for (int p = 0; p < parents; p++) {
                String parent = "n" + random.nextInt(i);
                if (!dependsOn.contains(parent)) {
                    dependsOn.add(parent);
                }
            }
            dags.task("n" + i, type, dependsOn);
        }
        return dags;
    }
}
