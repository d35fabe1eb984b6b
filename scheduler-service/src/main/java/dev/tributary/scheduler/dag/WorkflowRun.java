package dev.tributary.scheduler.dag;

import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The scheduler's state of one workflow: a pure function of the history events applied to it.
 *
 * @param id the workflow
 * @param dag its definition, indexed
 * @param acceptedAt when the workflow was accepted
 * @param status where the run stands
 * @param tasks every task's state, in submission order
 * @param outcome the terminal event the scheduler decided ({@code WorkflowSucceeded}, {@code
 *     WorkflowFailed} or {@code WorkflowCancelled}), once it decided one
 * @param outcomeLogged whether {@code outcome} has come back through the log
 */
public record WorkflowRun(
        WorkflowId id,
        Dag dag,
        Instant acceptedAt,
        WorkflowStatus status,
        Map<TaskId, TaskState> tasks,
        @Nullable WorkflowEvent outcome,
        boolean outcomeLogged) {

    public WorkflowRun {
        tasks = Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
    }

    /** The state of one task. */
    public TaskState task(TaskId taskId) {
        TaskState state = tasks.get(taskId);
        if (state == null) {
            throw new IllegalArgumentException("workflow " + id + " has no task '" + taskId + "'");
        }
        return state;
    }

    /** Whether every task succeeded. */
    public boolean allSucceeded() {
        return tasks.values().stream().allMatch(task -> task.status() == TaskStatus.SUCCEEDED);
    }
}
