package dev.tributary.scheduler.dag;

import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.ids.TaskId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A workflow definition indexed for the state machine: tasks by id in submission order, and each
 * task's direct dependents. Built leniently so that a definition that slipped past validation
 * (duplicate ids, unknown dependencies, cycles) still yields a value; {@link #problem()} says what
 * is wrong with it. Immutable; equal when the definitions are equal.
 */
public final class Dag {

    private final WorkflowDefinition definition;
    private final Map<TaskId, TaskDefinition> tasks;
    private final Map<TaskId, List<TaskId>> dependents;
    private final @Nullable String problem;

    private Dag(WorkflowDefinition definition) {
        this.definition = definition;
        Map<TaskId, TaskDefinition> byId = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (TaskDefinition task : definition.tasks()) {
            if (byId.putIfAbsent(task.id(), task) != null) {
                problems.add("duplicate task id '" + task.id() + "'");
            }
        }
        Map<TaskId, List<TaskId>> children = new LinkedHashMap<>();
        byId.keySet().forEach(id -> children.put(id, new ArrayList<>()));
        for (TaskDefinition task : byId.values()) {
            for (TaskId dependency : task.dependencies()) {
                List<TaskId> list = children.get(dependency);
                if (list == null) {
                    problems.add("task '" + task.id() + "' depends on unknown task '" + dependency + "'");
                } else if (!list.contains(task.id())) {
                    list.add(task.id());
                }
            }
        }
        Map<TaskId, List<TaskId>> frozen = new LinkedHashMap<>();
        children.forEach((id, list) -> frozen.put(id, List.copyOf(list)));
        this.tasks = Collections.unmodifiableMap(byId);
        this.dependents = Collections.unmodifiableMap(frozen);
        if (problems.isEmpty()) {
            findCycle().ifPresent(problems::add);
        }
        this.problem = problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** Indexes a definition; never throws for a malformed one (see {@link #problem()}). */
    public static Dag of(WorkflowDefinition definition) {
        return new Dag(definition);
    }

    public WorkflowDefinition definition() {
        return definition;
    }

    /** The tasks by id, in submission order (first occurrence wins for a duplicate id). */
    public Map<TaskId, TaskDefinition> tasks() {
        return tasks;
    }

    public TaskDefinition task(TaskId id) {
        TaskDefinition task = tasks.get(id);
        if (task == null) {
            throw new IllegalArgumentException("no task '" + id + "'");
        }
        return task;
    }

    /** The tasks that directly depend on {@code id}, in submission order. */
    public List<TaskId> dependents(TaskId id) {
        return dependents.getOrDefault(id, List.of());
    }

    /** Every task downstream of {@code id} (its dependents, theirs, and so on), without {@code id}. */
    public Set<TaskId> downstream(TaskId id) {
        Set<TaskId> seen = new LinkedHashSet<>();
        Deque<TaskId> todo = new ArrayDeque<>(dependents(id));
        while (!todo.isEmpty()) {
            TaskId next = todo.poll();
            if (seen.add(next)) {
                todo.addAll(dependents(next));
            }
        }
        seen.remove(id);
        return seen;
    }

    /**
     * The given tasks in reverse topological order: each after every given task downstream of it,
     * ties broken by submission order (the order compensations are listed and may end in).
     */
    public List<TaskId> reverseTopological(Collection<TaskId> subset) {
        List<TaskId> pending = new ArrayList<>();
        for (TaskId id : tasks.keySet()) {
            if (subset.contains(id)) {
                pending.add(id);
            }
        }
        Map<TaskId, Set<TaskId>> after = new HashMap<>();
        for (TaskId id : pending) {
            Set<TaskId> below = new LinkedHashSet<>(downstream(id));
            below.retainAll(pending);
            after.put(id, below);
        }
        List<TaskId> order = new ArrayList<>();
        Set<TaskId> placed = new HashSet<>();
        while (!pending.isEmpty()) {
            TaskId next = pending.stream()
                    .filter(id -> placed.containsAll(after.get(id)))
                    .findFirst()
                    .orElse(pending.getFirst()); // only on a cycle, which a runnable DAG has not
            pending.remove(next);
            placed.add(next);
            order.add(next);
        }
        return order;
    }

    /** Why this definition cannot run, if it cannot. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    private Optional<String> findCycle() {
        // Iterative three-colour DFS; reports the first cycle found as a path a → b → a.
        Map<TaskId, Integer> colour = new HashMap<>();
        for (TaskId start : tasks.keySet()) {
            if (colour.containsKey(start)) {
                continue;
            }
            Deque<TaskId> path = new ArrayDeque<>();
            Deque<Integer> nextChild = new ArrayDeque<>();
            path.push(start);
            nextChild.push(0);
            colour.put(start, 1);
            while (!path.isEmpty()) {
                TaskId node = path.peek();
                int index = nextChild.pop();
                List<TaskId> children = dependents(node);
                if (index < children.size()) {
                    nextChild.push(index + 1);
                    TaskId child = children.get(index);
                    Integer state = colour.get(child);
                    if (state == null) {
                        colour.put(child, 1);
                        path.push(child);
                        nextChild.push(0);
                    } else if (state == 1) {
                        List<String> cycle = new ArrayList<>();
                        for (TaskId step : path) {
                            cycle.addFirst(step.value());
                            if (step.equals(child)) {
                                break;
                            }
                        }
                        cycle.add(child.value());
                        return Optional.of("dependency cycle " + String.join(" → ", cycle));
                    }
                } else {
                    colour.put(node, 2);
                    path.pop();
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof Dag dag && dag.definition.equals(definition);
    }

    @Override
    public int hashCode() {
        return definition.hashCode();
    }

    @Override
    public String toString() {
        return "Dag[" + definition.name() + ", " + tasks.size() + " tasks]";
    }
}
