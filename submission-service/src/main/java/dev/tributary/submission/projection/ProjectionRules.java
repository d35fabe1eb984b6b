package dev.tributary.submission.projection;

import dev.tributary.events.definition.RetryPolicy;
import dev.tributary.events.definition.TaskDefaults;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.DispatchedTask;
import dev.tributary.events.history.WorkflowEvent.TaskFailed;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskRetryDue;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.TaskTimedOut;
import dev.tributary.events.history.WorkflowEvent.TasksDispatched;
import dev.tributary.events.history.WorkflowEvent.TimeoutKind;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.history.WorkflowEvent.WorkflowCancelRequested;
import dev.tributary.events.history.WorkflowEvent.WorkflowCancelled;
import dev.tributary.events.history.WorkflowEvent.WorkflowCompensating;
import dev.tributary.events.history.WorkflowEvent.WorkflowFailed;
import dev.tributary.events.history.WorkflowEvent.WorkflowSucceeded;
import dev.tributary.events.ids.TaskId;
import dev.tributary.submission.query.TaskError;
import dev.tributary.submission.query.TaskStatus;
import dev.tributary.submission.query.WorkflowStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The projection as a pure function: (projected workflow, history event) → projected workflow. No
 * clock, no I/O; every time comes from the event, so folding the same log gives the same rows.
 *
 * <ul>
 *   <li>A workflow the projection does not know is created by its {@code WorkflowAccepted} (the log
 *       is the source of truth, also for workflows submitted elsewhere); any other event about an
 *       unknown workflow is ignored.
 *   <li>Statuses only move forward. A task follows the attempts of the log: an event about a newer
 *       attempt supersedes the current one (the relay may deliver a worker's {@code TaskStarted}
 *       before the scheduler's {@code TasksDispatched}), an event about an older attempt is stale,
 *       and a result for an attempt that is already finished changes nothing. Once a task has
 *       succeeded, been skipped or cancelled, nothing changes it.
 *   <li>Task events count only while the workflow is {@code ACCEPTED} or {@code RUNNING}, as for
 *       the scheduler. Events about compensation attempts are history only (shown by {@code
 *       /events}); they do not change the task rows.
 *   <li>A failed attempt shows {@code RETRY_WAIT} when the scheduler is expected to retry it (the
 *       error is retryable, its code is not listed as non-retryable and attempts remain under the
 *       task's retry policy, else the workflow's task defaults, else {@code defaultMaxAttempts}),
 *       otherwise {@code FAILED}. That is a forecast the log then settles: the next attempt's
 *       release makes the task {@code DISPATCHED}, a {@code WorkflowFailed} naming it makes it
 *       {@code FAILED}.
 *   <li>When the workflow ends (or starts compensating), tasks never released become {@code
 *       SKIPPED} and attempts still out or waiting for a retry become {@code CANCELLED}, as the
 *       scheduler decides them.
 * </ul>
 */
final class ProjectionRules {

    /** The error code of a timeout the scheduler detected (as the scheduler reports it). */
    static final String TIMEOUT = "TIMEOUT";

    private final int defaultMaxAttempts;

    /**
     * @param defaultMaxAttempts the attempts a task gets when neither it nor its workflow's task
     *     defaults say (the scheduler's {@code default-retry.max-attempts})
     */
    ProjectionRules(int defaultMaxAttempts) {
        if (defaultMaxAttempts < 1) {
            throw new IllegalArgumentException("defaultMaxAttempts must be at least 1");
        }
        this.defaultMaxAttempts = defaultMaxAttempts;
    }

    /**
     * Applies one history event.
     *
     * @param workflow the projected workflow of the event, or {@code null} when there is none
     * @return the workflow after the event (the same instance when nothing changed), or {@code
     *     null} when the event is about a workflow the projection does not know
     */
    @Nullable
    ProjectedWorkflow apply(@Nullable ProjectedWorkflow workflow, WorkflowEvent event) {
        if (workflow == null) {
            return event instanceof WorkflowAccepted accepted ? ProjectedWorkflow.accepted(accepted) : null;
        }
        if (!workflow.id().equals(event.workflowId().value())) {
            throw new IllegalArgumentException(
                    "event for workflow " + event.workflowId() + " applied to workflow " + workflow.id());
        }
        return switch (event) {
            case WorkflowAccepted accepted -> accepted(workflow, accepted);
            case WorkflowCancelRequested ignored -> workflow; // history only; the scheduler decides
            case WorkflowEvent.WorkflowRetryRequested ignored -> workflow; // reruns: issue 5
            case WorkflowEvent.WorkflowTimedOut ignored -> workflow; // the scheduler's WorkflowFailed follows
            case TasksDispatched dispatched -> dispatched(workflow, dispatched);
            case TaskStarted started -> started(workflow, started);
            case TaskSucceeded succeeded -> succeeded(workflow, succeeded);
            case TaskFailed failed ->
                attemptFailed(
                        workflow,
                        failed.taskId(),
                        failed.attempt(),
                        failed.kind(),
                        new TaskError(failed.errorCode(), failed.message(), failed.retryable()),
                        failed.workerId(),
                        failed.finishedAt(),
                        false);
            case TaskTimedOut timedOut -> timedOut(workflow, timedOut);
            case TaskRetryDue due -> retryDue(workflow, due);
            case WorkflowSucceeded succeeded ->
                ended(workflow, WorkflowStatus.SUCCEEDED, succeeded.finishedAt(), null, null);
            case WorkflowCompensating compensating -> compensating(workflow, compensating);
            case WorkflowFailed failed ->
                ended(workflow, WorkflowStatus.FAILED, failed.finishedAt(), failed.reason(), failed.failedTask());
            case WorkflowCancelled cancelled ->
                ended(
                        workflow,
                        WorkflowStatus.CANCELLED,
                        cancelled.finishedAt(),
                        cancelled.reason() == null ? "cancelled" : cancelled.reason(),
                        null);
        };
    }

    /** Folds events in order. */
    @Nullable
    ProjectedWorkflow applyAll(@Nullable ProjectedWorkflow workflow, List<? extends WorkflowEvent> events) {
        ProjectedWorkflow current = workflow;
        for (WorkflowEvent event : events) {
            current = apply(current, event);
        }
        return current;
    }

    private static ProjectedWorkflow accepted(ProjectedWorkflow workflow, WorkflowAccepted accepted) {
        if (workflow.status() != WorkflowStatus.ACCEPTED) {
            return workflow;
        }
        Change change = new Change(workflow);
        change.running(accepted.acceptedAt());
        return change.finish();
    }

    private static ProjectedWorkflow dispatched(ProjectedWorkflow workflow, TasksDispatched dispatched) {
        if (!workflow.status().acceptsTaskEvents()) {
            return workflow;
        }
        Instant at = dispatched.dispatchedAt();
        Change change = new Change(workflow);
        change.running(at);
        for (DispatchedTask released : dispatched.tasks()) {
            String taskId = released.taskId().value();
            ProjectedTask task = change.task(taskId);
            if (released.kind() != TaskKind.TASK || task == null || released.attempt() < 1) {
                continue;
            }
            if (released.attempt() > task.attempt() && !task.status().isSettled()) {
                change.put(taskId, task.dispatched(released.attempt(), at, released.deadline()), at);
            } else if (released.attempt() == task.attempt() && task.dispatchedAt() == null) {
                // A worker's event about this attempt came first; the release only adds its times.
                change.putQuietly(taskId, task.dispatchSeen(at, released.deadline()));
            }
        }
        return change.finish();
    }

    private static ProjectedWorkflow started(ProjectedWorkflow workflow, TaskStarted started) {
        ProjectedTask task = taskOf(workflow, started.taskId(), started.attempt(), started.kind());
        if (task == null) {
            return workflow;
        }
        boolean applies = started.attempt() > task.attempt()
                ? !task.status().isSettled()
                : started.attempt() == task.attempt()
                        && (task.status() == TaskStatus.DISPATCHED
                                // redelivered to another worker (the first one died): show who runs it now
                                || (task.status() == TaskStatus.RUNNING
                                        && !started.workerId().equals(task.workerId())));
        if (!applies) {
            return workflow;
        }
        Change change = new Change(workflow);
        change.running(started.startedAt());
        change.put(
                started.taskId().value(),
                task.running(started.attempt(), started.startedAt(), started.workerId()),
                started.startedAt());
        return change.finish();
    }

    private static ProjectedWorkflow succeeded(ProjectedWorkflow workflow, TaskSucceeded succeeded) {
        ProjectedTask task = taskOf(workflow, succeeded.taskId(), succeeded.attempt(), succeeded.kind());
        if (task == null || !resultApplies(task, succeeded.attempt())) {
            return workflow;
        }
        Change change = new Change(workflow);
        change.running(succeeded.finishedAt());
        change.put(
                succeeded.taskId().value(),
                task.succeeded(succeeded.attempt(), succeeded.finishedAt(), succeeded.workerId(), succeeded.output()),
                succeeded.finishedAt());
        return change.finish();
    }

    private ProjectedWorkflow timedOut(ProjectedWorkflow workflow, TaskTimedOut timedOut) {
        ProjectedTask task = taskOf(workflow, timedOut.taskId(), timedOut.attempt(), timedOut.kind());
        boolean applies = task != null
                && timedOut.attempt() == task.attempt()
                && (timedOut.timeout() == TimeoutKind.SCHEDULE_TO_START
                        ? task.status() == TaskStatus.DISPATCHED
                        : task.status().isInFlight());
        if (!applies) {
            return workflow;
        }
        String which = timedOut.timeout() == TimeoutKind.SCHEDULE_TO_START ? "schedule-to-start" : "start-to-close";
        return attemptFailed(
                workflow,
                timedOut.taskId(),
                timedOut.attempt(),
                timedOut.kind(),
                new TaskError(TIMEOUT, "attempt " + timedOut.attempt() + " exceeded its " + which + " timeout", true),
                null,
                timedOut.firedAt(),
                true);
    }

    private ProjectedWorkflow attemptFailed(
            ProjectedWorkflow workflow,
            TaskId taskId,
            int attempt,
            TaskKind kind,
            TaskError error,
            @Nullable String workerId,
            Instant at,
            boolean checked) {
        ProjectedTask task = taskOf(workflow, taskId, attempt, kind);
        if (task == null || (!checked && !resultApplies(task, attempt))) {
            return workflow;
        }
        TaskStatus next = retryExpected(workflow.definition(), taskId, attempt, error)
                ? TaskStatus.RETRY_WAIT
                : TaskStatus.FAILED;
        Change change = new Change(workflow);
        change.running(at);
        change.put(taskId.value(), task.attemptFailed(attempt, next, at, workerId, error), at);
        return change.finish();
    }

    private static ProjectedWorkflow retryDue(ProjectedWorkflow workflow, TaskRetryDue due) {
        ProjectedTask task = taskOf(workflow, due.taskId(), due.attempt(), due.kind());
        // The retry of the previous attempt is on its way: a FAILED forecast was wrong.
        if (task == null || task.attempt() != due.attempt() - 1 || task.status() != TaskStatus.FAILED) {
            return workflow;
        }
        Change change = new Change(workflow);
        change.put(due.taskId().value(), task.withStatus(TaskStatus.RETRY_WAIT, due.firedAt()), due.firedAt());
        return change.finish();
    }

    private static ProjectedWorkflow compensating(ProjectedWorkflow workflow, WorkflowCompensating compensating) {
        if (!workflow.status().acceptsTaskEvents()) {
            return workflow;
        }
        Instant at = compensating.at();
        Change change = new Change(workflow);
        change.endTasks(compensating.failedTask(), at);
        change.status = WorkflowStatus.COMPENSATING;
        change.reason = compensating.reason();
        change.failedTask = compensating.failedTask() == null
                ? null
                : compensating.failedTask().value();
        change.touch(at);
        return change.finish();
    }

    private static ProjectedWorkflow ended(
            ProjectedWorkflow workflow,
            WorkflowStatus status,
            Instant at,
            @Nullable String reason,
            @Nullable TaskId failedTask) {
        if (workflow.status().isFinal()) {
            return workflow;
        }
        Change change = new Change(workflow);
        change.endTasks(failedTask, at);
        change.status = status;
        change.finishedAt = at;
        if (reason != null) {
            change.reason = reason;
        }
        if (failedTask != null) {
            change.failedTask = failedTask.value();
        }
        if (change.startedAt == null) {
            change.startedAt = at;
        }
        change.touch(at);
        return change.finish();
    }

    /** The task an event names, if the event is about a task attempt the workflow still takes. */
    private static @Nullable ProjectedTask taskOf(
            ProjectedWorkflow workflow, TaskId taskId, int attempt, TaskKind kind) {
        if (!workflow.status().acceptsTaskEvents() || kind != TaskKind.TASK || attempt < 1) {
            return null;
        }
        return workflow.tasks().get(taskId.value());
    }

    /**
     * Whether a result (success or failure) for {@code attempt} changes the task: it is about the
     * attempt out with the workers, or about a newer attempt whose release the log has not shown yet.
     */
    private static boolean resultApplies(ProjectedTask task, int attempt) {
        if (attempt > task.attempt()) {
            return !task.status().isSettled();
        }
        return attempt == task.attempt() && task.status().isInFlight();
    }

    private boolean retryExpected(
            @Nullable WorkflowDefinition definition, TaskId taskId, int attempt, TaskError error) {
        if (!error.retryable()) {
            return false;
        }
        RetryPolicy own = null;
        RetryPolicy inherited = null;
        if (definition != null) {
            TaskDefaults defaults = definition.taskDefaults();
            inherited = defaults == null ? null : defaults.retry();
            for (TaskDefinition task : definition.tasks()) {
                if (task.id().equals(taskId)) {
                    own = task.retry();
                    break;
                }
            }
        }
        Integer maxAttempts = own != null && own.maxAttempts() != null
                ? own.maxAttempts()
                : inherited != null ? inherited.maxAttempts() : null;
        List<String> nonRetryable = own != null && own.nonRetryableErrorCodes() != null
                ? own.nonRetryableErrorCodes()
                : inherited != null ? inherited.nonRetryableErrorCodes() : null;
        int max = maxAttempts != null ? maxAttempts : defaultMaxAttempts;
        return attempt < max && (nonRetryable == null || !nonRetryable.contains(error.code()));
    }

    /** One application in progress: copies the task map on the first write. */
    private static final class Change {

        private final ProjectedWorkflow before;
        private @Nullable Map<String, ProjectedTask> tasks;
        private boolean changed;
        WorkflowStatus status;
        Instant updatedAt;

        @Nullable
        Instant startedAt;

        @Nullable
        Instant finishedAt;

        @Nullable
        String reason;

        @Nullable
        String failedTask;

        Change(ProjectedWorkflow before) {
            this.before = before;
            this.status = before.status();
            this.updatedAt = before.updatedAt();
            this.startedAt = before.startedAt();
            this.finishedAt = before.finishedAt();
            this.reason = before.reason();
            this.failedTask = before.failedTask();
        }

        @Nullable
        ProjectedTask task(String taskId) {
            return (tasks == null ? before.tasks() : tasks).get(taskId);
        }

        /** The workflow is on the log: an {@code ACCEPTED} one becomes {@code RUNNING}. */
        void running(Instant at) {
            if (status == WorkflowStatus.ACCEPTED) {
                status = WorkflowStatus.RUNNING;
                startedAt = at;
                touch(at);
            }
        }

        /** A status change of a task at {@code at}. */
        void put(String taskId, ProjectedTask task, Instant at) {
            putQuietly(taskId, task);
            touch(at);
        }

        /** A change of a task that is not a status change (updatedAt stays). */
        void putQuietly(String taskId, ProjectedTask task) {
            if (tasks == null) {
                tasks = new LinkedHashMap<>(before.tasks());
            }
            tasks.put(taskId, task);
            changed = true;
        }

        /** Unreleased tasks are skipped, attempts out or waiting are cancelled, the failed task failed. */
        void endTasks(@Nullable TaskId failed, Instant at) {
            for (Map.Entry<String, ProjectedTask> entry : new LinkedHashMap<>(tasksNow()).entrySet()) {
                String taskId = entry.getKey();
                ProjectedTask task = entry.getValue();
                if (task.status().isSettled()) {
                    continue;
                }
                TaskStatus next;
                if (failed != null && failed.value().equals(taskId)) {
                    next = TaskStatus.FAILED;
                } else if (task.status() == TaskStatus.WAITING) {
                    next = TaskStatus.SKIPPED;
                } else if (task.status() == TaskStatus.FAILED) {
                    continue;
                } else {
                    next = TaskStatus.CANCELLED;
                }
                if (next != task.status()) {
                    put(taskId, task.withStatus(next, at), at);
                }
            }
        }

        private Map<String, ProjectedTask> tasksNow() {
            return tasks == null ? before.tasks() : tasks;
        }

        /** Something changed at {@code at}: {@code updatedAt} never moves back. */
        void touch(Instant at) {
            changed = true;
            if (at.isAfter(updatedAt)) {
                updatedAt = at;
            }
        }

        ProjectedWorkflow finish() {
            if (!changed) {
                return before;
            }
            return new ProjectedWorkflow(
                    before.id(),
                    status,
                    before.createdAt(),
                    updatedAt,
                    startedAt,
                    finishedAt,
                    reason,
                    failedTask,
                    tasksNow(),
                    before.definition());
        }
    }
}
