package dev.tributary.scheduler.dag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.Compensation;
import dev.tributary.events.definition.RetryPolicy;
import dev.tributary.events.definition.TaskDefaults;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.TaskTimeout;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent.TaskFailed;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.scheduler.dag.Decision.Dispatch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** Test fixtures: compact DAG definitions and the history events about them. */
final class Workflows {

    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private Workflows() {}

    /**
     * A definition from specs {@code "id"} or {@code "id:dep1,dep2"}; every task has type {@code
     * noop} and input {@code {"task": id}}.
     */
    static WorkflowDefinition dag(String... specs) {
        List<TaskDefinition> tasks = new ArrayList<>();
        for (String spec : specs) {
            tasks.add(task(spec, null, null));
        }
        return definition(tasks, null);
    }

    static TaskDefinition task(String spec, @Nullable RetryPolicy retry, @Nullable TaskTimeout timeout) {
        String[] parts = spec.split(":", 2);
        List<TaskId> deps = parts.length == 1 || parts[1].isEmpty()
                ? null
                : Arrays.stream(parts[1].split(",")).map(TaskId::of).toList();
        return new TaskDefinition(
                TaskId.of(parts[0]), "noop", json("{\"task\":\"" + parts[0] + "\"}"), deps, retry, timeout, null);
    }

    static WorkflowDefinition definition(List<TaskDefinition> tasks, @Nullable TaskDefaults defaults) {
        return new WorkflowDefinition("test", null, Map.of(), null, defaults, tasks);
    }

    /** A definition whose workflow deadline is {@code timeout} after acceptance (or a rerun). */
    static WorkflowDefinition withTimeout(WorkflowDefinition definition, Duration timeout) {
        return new WorkflowDefinition(
                definition.name(),
                definition.input(),
                definition.labels(),
                timeout,
                definition.taskDefaults(),
                definition.tasks());
    }

    /**
     * A task like {@link #task} with a compensation of type {@code undo} and input {@code {"undo":
     * id}}.
     */
    static TaskDefinition compensated(
            String spec,
            @Nullable RetryPolicy retry,
            @Nullable TaskTimeout timeout,
            @Nullable RetryPolicy compensationRetry) {
        TaskDefinition task = task(spec, retry, timeout);
        return new TaskDefinition(
                task.id(),
                task.type(),
                task.input(),
                task.dependsOn(),
                retry,
                timeout,
                new Compensation("undo", json("{\"undo\":\"" + task.id() + "\"}"), compensationRetry));
    }

    static TaskDefinition compensated(String spec) {
        return compensated(spec, null, null, null);
    }

    static RetryPolicy retry(int maxAttempts, Duration initialBackoff, List<String> nonRetryable) {
        return new RetryPolicy(maxAttempts, initialBackoff, 2.0, Duration.ofMinutes(1), 0.0, nonRetryable);
    }

    static JsonNode json(String text) {
        return EventCodec.json().readTree(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static WorkflowAccepted accepted(WorkflowId id, WorkflowDefinition definition) {
        return new WorkflowAccepted(id, definition, T0);
    }

    static TaskStarted started(WorkflowId id, String task, int attempt, Instant at) {
        return new TaskStarted(id, TaskId.of(task), attempt, TaskKind.TASK, "worker-1", at);
    }

    static TaskSucceeded succeeded(WorkflowId id, String task, int attempt, Instant at) {
        return new TaskSucceeded(
                id, TaskId.of(task), attempt, TaskKind.TASK, json("{\"from\":\"" + task + "\"}"), "worker-1", at);
    }

    static TaskFailed failed(WorkflowId id, String task, int attempt, String code, boolean retryable, Instant at) {
        return new TaskFailed(id, TaskId.of(task), attempt, TaskKind.TASK, code, "boom", retryable, "worker-1", at);
    }

    static TaskStarted compensationStarted(WorkflowId id, String task, int attempt, Instant at) {
        return new TaskStarted(id, TaskId.of(task), attempt, TaskKind.COMPENSATION, "worker-1", at);
    }

    static TaskSucceeded compensationSucceeded(WorkflowId id, String task, int attempt, Instant at) {
        return new TaskSucceeded(id, TaskId.of(task), attempt, TaskKind.COMPENSATION, null, "worker-1", at);
    }

    static TaskFailed compensationFailed(
            WorkflowId id, String task, int attempt, String code, boolean retryable, Instant at) {
        return new TaskFailed(
                id, TaskId.of(task), attempt, TaskKind.COMPENSATION, code, "boom", retryable, "worker-1", at);
    }

    /** The one release among the decisions (fails unless there is exactly one). */
    static Dispatch onlyRelease(List<Decision> decisions) {
        List<Dispatch> dispatches = decisions.stream()
                .filter(Dispatch.class::isInstance)
                .map(Dispatch.class::cast)
                .toList();
        assertThat(dispatches).hasSize(1);
        return dispatches.getFirst();
    }
}
