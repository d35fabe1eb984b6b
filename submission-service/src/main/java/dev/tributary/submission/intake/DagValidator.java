package dev.tributary.submission.intake;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The checks a JSON Schema cannot express: the number of tasks, unique task ids, dependencies
 * that name a task of the workflow, no self-dependency and no cycle. Pure; every problem is
 * reported with a JSON Pointer into the submission.
 *
 * <p>A cycle is reported once per strongly connected component, as its shortest cycle through the
 * component's first task in submission order, written {@code a → b → c → a} where {@code x → y}
 * means y depends on x (x runs before y). The pointer names the {@code dependsOn} entry of the
 * first task that closes the cycle.
 */
final class DagValidator {

    /** Longest cycle path written out in full; longer ones are elided in the middle. */
    private static final int MAX_PATH_SHOWN = 12;

    /**
     * One task as far as the DAG is concerned.
     *
     * @param id the task id, or {@code null} when it is missing or not a string (the schema
     *     reports that)
     * @param dependsOn the dependency ids; {@code null} entries are skipped the same way
     */
    record Node(@Nullable String id, List<@Nullable String> dependsOn) {

        static Node of(String id, String... dependsOn) {
            return new Node(id, Arrays.asList(dependsOn));
        }
    }

    /** An edge "task {@code from} depends on task {@code to}" and where it was written. */
    private record Edge(String from, String to, String pointer) {}

    private DagValidator() {}

    static List<FieldError> validate(List<Node> tasks, int maxTasks) {
        List<FieldError> errors = new ArrayList<>();
        if (tasks.size() > maxTasks) {
            errors.add(
                    new FieldError("/tasks", "has " + tasks.size() + " tasks; at most " + maxTasks + " are allowed"));
        }
        Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            String id = tasks.get(i).id();
            if (id == null) {
                continue;
            }
            Integer first = firstIndex.putIfAbsent(id, i);
            if (first != null) {
                errors.add(new FieldError(
                        "/tasks/" + i + "/id",
                        "duplicates the id " + Snippets.quote(id) + " of /tasks/" + first
                                + "; task ids must be unique"));
            }
        }
        // Dependency edges by task id, in submission order; duplicate ids share one node.
        Map<String, Map<String, Edge>> edges = new LinkedHashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            Node task = tasks.get(i);
            String id = task.id();
            for (int j = 0; j < task.dependsOn().size(); j++) {
                String dependency = task.dependsOn().get(j);
                String pointer = "/tasks/" + i + "/dependsOn/" + j;
                if (dependency == null) {
                    continue;
                }
                if (dependency.equals(id)) {
                    errors.add(new FieldError(pointer, "task " + Snippets.quote(id) + " cannot depend on itself"));
                } else if (!firstIndex.containsKey(dependency)) {
                    errors.add(new FieldError(
                            pointer, "names task " + Snippets.quote(dependency) + ", which is not in this workflow"));
                } else if (id != null) {
                    edges.computeIfAbsent(id, key -> new LinkedHashMap<>())
                            .putIfAbsent(dependency, new Edge(id, dependency, pointer));
                }
            }
        }
        errors.addAll(cycles(firstIndex, edges));
        return errors;
    }

    private static List<FieldError> cycles(Map<String, Integer> firstIndex, Map<String, Map<String, Edge>> edges) {
        List<String> order = firstIndex.entrySet().stream()
                .sorted(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .toList();
        Comparator<String> bySubmissionOrder = Comparator.comparing(firstIndex::get);
        return stronglyConnected(order, edges).stream()
                // a self-dependency is reported on its own and is no edge here
                .filter(component -> component.size() > 1)
                .map(component -> component.stream().min(bySubmissionOrder).orElseThrow())
                .sorted(bySubmissionOrder)
                .map(start -> {
                    List<Edge> cycle = shortestCycle(start, edges);
                    return new FieldError(
                            cycle.getFirst().pointer(),
                            "creates the dependency cycle " + render(cycle) + " (x → y means y depends on x)");
                })
                .toList();
    }

    /**
     * Tarjan's algorithm without recursion (a long chain of tasks must not overflow the stack).
     * Components come out in reverse topological order; callers only need each one once.
     */
    private static List<List<String>> stronglyConnected(List<String> nodes, Map<String, Map<String, Edge>> edges) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> lowLink = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<List<String>> components = new ArrayList<>();
        int counter = 0;
        for (String root : nodes) {
            if (index.containsKey(root)) {
                continue;
            }
            Deque<Frame> frames = new ArrayDeque<>();
            frames.push(new Frame(root, successors(root, edges)));
            index.put(root, counter);
            lowLink.put(root, counter);
            counter++;
            stack.push(root);
            onStack.add(root);
            while (!frames.isEmpty()) {
                Frame frame = frames.peek();
                if (frame.next < frame.successors.size()) {
                    String successor = frame.successors.get(frame.next++);
                    if (!index.containsKey(successor)) {
                        index.put(successor, counter);
                        lowLink.put(successor, counter);
                        counter++;
                        stack.push(successor);
                        onStack.add(successor);
                        frames.push(new Frame(successor, successors(successor, edges)));
                    } else if (onStack.contains(successor)) {
                        lowLink.put(frame.node, Math.min(lowLink.get(frame.node), index.get(successor)));
                    }
                    continue;
                }
                frames.pop();
                if (!frames.isEmpty()) {
                    String parent = frames.peek().node;
                    lowLink.put(parent, Math.min(lowLink.get(parent), lowLink.get(frame.node)));
                }
                if (lowLink.get(frame.node).equals(index.get(frame.node))) {
                    List<String> component = new ArrayList<>();
                    String member;
                    do {
                        member = stack.pop();
                        onStack.remove(member);
                        component.add(member);
                    } while (!member.equals(frame.node));
                    components.add(component);
                }
            }
        }
        return components;
    }

    private static final class Frame {
        final String node;
        final List<String> successors;
        int next;

        Frame(String node, List<String> successors) {
            this.node = node;
            this.successors = successors;
        }
    }

    private static List<String> successors(String node, Map<String, Map<String, Edge>> edges) {
        Map<String, Edge> out = edges.get(node);
        return out == null ? List.of() : List.copyOf(out.keySet());
    }

    /**
     * Breadth-first search along "depends on" edges back to the start. Every node that reaches the
     * start lies in its component, so the shortest way back never leaves it.
     */
    private static List<Edge> shortestCycle(String start, Map<String, Map<String, Edge>> edges) {
        Map<String, Edge> reachedBy = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>();
        queue.add(start);
        while (!queue.isEmpty()) {
            String node = queue.poll();
            for (Edge edge : edges.getOrDefault(node, Map.of()).values()) {
                if (edge.to().equals(start)) {
                    List<Edge> path = new ArrayList<>();
                    path.add(edge);
                    for (String at = node;
                            !at.equals(start);
                            at = reachedBy.get(at).from()) {
                        path.add(reachedBy.get(at));
                    }
                    // path runs backwards from the closing edge; the first depends-on edge leaves start
                    Collections.reverse(path);
                    return path;
                }
                if (!reachedBy.containsKey(edge.to())) {
                    reachedBy.put(edge.to(), edge);
                    queue.add(edge.to());
                }
            }
        }
        throw new IllegalStateException("no cycle through " + start + " in its component");
    }

    /**
     * Writes a depends-on cycle {@code s dependsOn d1 dependsOn d2 ... dependsOn s} in run order:
     * {@code s → ... → d2 → d1 → s}.
     */
    private static String render(List<Edge> dependsOnCycle) {
        List<String> runOrder = new ArrayList<>();
        runOrder.add(dependsOnCycle.getFirst().from());
        for (int i = dependsOnCycle.size() - 1; i >= 0; i--) {
            runOrder.add(dependsOnCycle.get(i).from());
        }
        // runOrder now: s, d_k, ..., d_1, s  (d_i is the i-th task reached from s via dependsOn)
        if (runOrder.size() > MAX_PATH_SHOWN) {
            int hidden = runOrder.size() - MAX_PATH_SHOWN + 1;
            List<String> shown = new ArrayList<>(runOrder.subList(0, MAX_PATH_SHOWN - 2));
            shown.add("… " + hidden + " more …");
            shown.add(runOrder.getLast());
            runOrder = shown;
        }
        return String.join(" → ", runOrder.stream().map(Snippets::clip).toList());
    }
}
