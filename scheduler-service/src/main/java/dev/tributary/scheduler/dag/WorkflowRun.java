package dev.tributary.scheduler.dag;

import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import java.time.Duration;
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
 * @param outcome the workflow-level event the scheduler decided last: {@code WorkflowCompensating}
 *     while compensating, then the terminal one ({@code WorkflowSucceeded}, {@code WorkflowFailed}
 *     or {@code WorkflowCancelled}); {@code null} while running
 * @param outcomeLogged whether {@code outcome} has come back through the log
 * @param compensations the compensation of every task being (or last) compensated, in
 *     compensation order; empty until the run compensates, emptied by a rerun
 * @param failure the first task that failed for good (or the deadline), once one did; the run
 *     fails with it when nothing is in flight any more
 * @param compensationFailure the first compensation that failed for good, once one did
 * @param reruns how many reruns started this run again (names the deadline timer)
 * @param runningSince when the current run started: acceptance, or the latest rerun request; the
 *     workflow deadline counts from here
 * @param compensationAttempts the attempt counters of compensations a rerun cleared, so that a
 *     later compensation of the same task continues the numbering
 */
public record WorkflowRun(
        WorkflowId id,
        Dag dag,
        Instant acceptedAt,
        WorkflowStatus status,
        Map<TaskId, TaskState> tasks,
        @Nullable WorkflowEvent outcome,
        boolean outcomeLogged,
        Map<TaskId, TaskState> compensations,
        @Nullable Failure failure,
        @Nullable Failure compensationFailure,
        int reruns,
        Instant runningSince,
        Map<TaskId, Integer> compensationAttempts) {

    public WorkflowRun {
        tasks = Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
        compensations = Collections.unmodifiableMap(new LinkedHashMap<>(compensations));
        compensationAttempts = Collections.unmodifiableMap(new LinkedHashMap<>(compensationAttempts));
    }

    /** A run that never failed, compensated or reran. */
    public WorkflowRun(
            WorkflowId id,
            Dag dag,
            Instant acceptedAt,
            WorkflowStatus status,
            Map<TaskId, TaskState> tasks,
            @Nullable WorkflowEvent outcome,
            boolean outcomeLogged) {
        this(id, dag, acceptedAt, status, tasks, outcome, outcomeLogged, Map.of(), null, null, 0, acceptedAt, Map.of());
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

    /** When the current run's workflow deadline passes, if the definition sets a timeout. */
    public @Nullable Instant deadline() {
        return deadline(dag, runningSince);
    }

    static @Nullable Instant deadline(Dag dag, Instant runningSince) {
        Duration timeout = dag.definition().timeout();
        return timeout == null ? null : runningSince.plus(timeout);
    }
}
