package dev.tributary.submission.projection;

import dev.tributary.events.definition.Compensation;
import dev.tributary.events.definition.RetryPolicy;
import dev.tributary.events.definition.TaskDefaults;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.CompensationOutcome;
import dev.tributary.events.history.WorkflowEvent.DispatchedTask;
import dev.tributary.events.history.WorkflowEvent.Origin;
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
import dev.tributary.events.history.WorkflowEvent.WorkflowRetryRequested;
import dev.tributary.events.history.WorkflowEvent.WorkflowSucceeded;
import dev.tributary.events.history.WorkflowEvent.WorkflowTimedOut;
import dev.tributary.events.ids.TaskId;
import dev.tributary.submission.query.AttemptStatus;
import dev.tributary.submission.query.TaskAttempt;
import dev.tributary.submission.query.TaskAttempt.LateResult;
import dev.tributary.submission.query.TaskCompensation;
import dev.tributary.submission.query.TaskError;
import dev.tributary.submission.query.TaskStatus;
import dev.tributary.submission.query.WorkflowStatus;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The projection as a pure function: (projected workflow, history event) → projected workflow. No
 * clock, no I/O; every time comes from the event, so folding the same log gives the same rows. It
 * mirrors the scheduler's rules of {@code docs/failure-semantics.md}.
 *
 * <ul>
 *   <li>A workflow the projection does not know is created by its {@code WorkflowAccepted} (the log
 *       is the source of truth, also for workflows submitted elsewhere); any other event about an
 *       unknown workflow is ignored.
 *   <li>Every attempt of every task, and of its compensation, is recorded as the log shows it
 *       (released, started, succeeded, failed, timed out, cancelled). A result for an attempt the
 *       scheduler had stopped waiting for (timed out, or cancelled by the workflow's end) is recorded
 *       on that attempt as its late result and changes nothing else.
 *   <li>Statuses move forward, with one exception: a {@code WorkflowRetryRequested} takes a {@code
 *       FAILED} or {@code CANCELLED} workflow back to {@code RUNNING} and its tasks that did not
 *       succeed (or whose compensation undid them) back to {@code WAITING}, keeping their attempts.
 *       A task follows the attempts of the log: an event about a newer attempt supersedes the
 *       current one (the relay may deliver a worker's {@code TaskStarted} before the scheduler's
 *       {@code TasksDispatched}), an event about an older attempt is stale, and a result for an
 *       attempt that is already finished changes nothing. Once a task has succeeded, been skipped
 *       or cancelled, only a rerun changes it.
 *   <li>Task events count only while the workflow is {@code ACCEPTED} or {@code RUNNING};
 *       compensation events only while it is {@code COMPENSATING}, for the tasks its {@code
 *       WorkflowCompensating} named.
 *   <li>A failed attempt shows {@code RETRY_WAIT} when the scheduler is expected to retry it (the
 *       error is retryable, its code is not listed as non-retryable and attempts remain under the
 *       task's retry policy — the compensation's for a compensation —, else the workflow's task
 *       defaults, else {@code defaultMaxAttempts}), otherwise {@code FAILED}. That is a forecast the
 *       log then settles: a {@code TaskRetryDue} for the next attempt makes a {@code FAILED} one
 *       {@code RETRY_WAIT}, a {@code WorkflowFailed} naming a task makes it {@code FAILED}.
 *   <li>A task that failed for good skips its transitive downstream tasks at once; the workflow
 *       stays {@code RUNNING} until the scheduler's {@code WorkflowCompensating} or {@code
 *       WorkflowFailed}. A compensation that failed for good skips the compensations not released
 *       yet. A forecast settled the other way takes those skips back.
 *   <li>When the workflow ends (or starts compensating), tasks never released become {@code
 *       SKIPPED} and attempts still out or waiting for a retry become {@code CANCELLED}, as the
 *       scheduler decides them. {@code WorkflowTimedOut} and {@code WorkflowCancelRequested} are
 *       history only: the scheduler's {@code WorkflowFailed}, {@code WorkflowCompensating} or {@code
 *       WorkflowCancelled} follows when they take effect.
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
            case WorkflowRetryRequested retry -> rerun(workflow, retry);
            case WorkflowTimedOut ignored -> workflow; // the scheduler's WorkflowFailed/Compensating follows
            case TasksDispatched dispatched -> dispatched(workflow, dispatched);
            case TaskStarted started -> started(workflow, started);
            case TaskSucceeded succeeded -> succeeded(workflow, succeeded);
            case TaskFailed failed -> failed(workflow, failed);
            case TaskTimedOut timedOut -> timedOut(workflow, timedOut);
            case TaskRetryDue due -> retryDue(workflow, due);
            case WorkflowSucceeded succeeded ->
                ended(workflow, WorkflowStatus.SUCCEEDED, succeeded.finishedAt(), null, null, null);
            case WorkflowCompensating compensating -> compensating(workflow, compensating);
            case WorkflowFailed failed ->
                ended(
                        workflow,
                        WorkflowStatus.FAILED,
                        failed.finishedAt(),
                        failed.reason(),
                        failed.failedTask(),
                        failed.compensation());
            case WorkflowCancelled cancelled ->
                ended(
                        workflow,
                        WorkflowStatus.CANCELLED,
                        cancelled.finishedAt(),
                        cancelled.reason() == null ? "cancelled" : cancelled.reason(),
                        null,
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
        change.origin = accepted.origin();
        return change.finish();
    }

    private static ProjectedWorkflow rerun(ProjectedWorkflow workflow, WorkflowRetryRequested retry) {
        if (workflow.status() != WorkflowStatus.FAILED && workflow.status() != WorkflowStatus.CANCELLED) {
            return workflow;
        }
        Instant at = retry.requestedAt();
        Change change = new Change(workflow);
        change.status = WorkflowStatus.RUNNING;
        change.finishedAt = null;
        change.reason = null;
        change.failedTask = null;
        change.compensation = null;
        change.touch(at);
        workflow.tasks().forEach((taskId, task) -> {
            TaskCompensation compensation = task.compensation();
            boolean undone = compensation != null && compensation.status() == TaskStatus.SUCCEEDED;
            if (task.status() != TaskStatus.SUCCEEDED || undone) {
                change.put(taskId, task.rerun(at), at);
            } else if (compensation != null) {
                change.put(taskId, task.withCompensation(null), at);
            }
        });
        return change.finish();
    }

    private static ProjectedWorkflow dispatched(ProjectedWorkflow workflow, TasksDispatched dispatched) {
        Instant at = dispatched.dispatchedAt();
        Change change = new Change(workflow);
        if (workflow.status().acceptsTaskEvents()) {
            change.running(at);
        }
        for (DispatchedTask released : dispatched.tasks()) {
            String taskId = released.taskId().value();
            ProjectedTask task = change.task(taskId);
            int attempt = released.attempt();
            if (task == null || attempt < 1) {
                continue;
            }
            TaskAttempt recorded = task.attemptRecord(released.kind(), attempt);
            if (recorded == null) {
                task = change.record(
                        taskId, task, TaskAttempt.dispatched(attempt, released.kind(), at, released.deadline()));
            } else if (recorded.dispatchedAt() == null) {
                task = change.record(taskId, task, recorded.withRelease(at, released.deadline()));
            }
            if (released.kind() == TaskKind.TASK) {
                if (!workflow.status().acceptsTaskEvents()) {
                    continue;
                }
                if (attempt > task.attempt() && !task.status().isSettled()) {
                    change.put(taskId, task.dispatched(attempt, at, released.deadline()), at);
                } else if (attempt == task.attempt() && task.dispatchedAt() == null) {
                    // A worker's event about this attempt came first; the release only adds its times.
                    change.putQuietly(taskId, task.dispatchSeen(at, released.deadline()));
                }
            } else {
                TaskCompensation compensation = compensationOf(workflow, task);
                if (compensation != null
                        && attempt > compensation.attempt()
                        && !compensation.status().isSettled()) {
                    change.put(
                            taskId, task.withCompensation(compensation.with(TaskStatus.DISPATCHED, attempt, at)), at);
                }
            }
        }
        return change.finish();
    }

    private static ProjectedWorkflow started(ProjectedWorkflow workflow, TaskStarted started) {
        String taskId = started.taskId().value();
        ProjectedTask task = workflow.tasks().get(taskId);
        int attempt = started.attempt();
        if (task == null || attempt < 1) {
            return workflow;
        }
        Instant at = started.startedAt();
        Change change = new Change(workflow);
        TaskAttempt recorded = task.attemptRecord(started.kind(), attempt);
        if (recorded == null) {
            task = change.record(taskId, task, TaskAttempt.started(attempt, started.kind(), started.workerId(), at));
        } else if (recorded.status() == AttemptStatus.DISPATCHED
                || (recorded.status() == AttemptStatus.RUNNING
                        && !started.workerId().equals(recorded.workerId()))) {
            task = change.record(taskId, task, recorded.withStart(started.workerId(), at));
        }
        if (started.kind() == TaskKind.TASK) {
            if (!workflow.status().acceptsTaskEvents()) {
                return change.finish();
            }
            boolean applies = attempt > task.attempt()
                    ? !task.status().isSettled()
                    : attempt == task.attempt()
                            && (task.status() == TaskStatus.DISPATCHED
                                    // redelivered to another worker (the first one died): show who runs it now
                                    || (task.status() == TaskStatus.RUNNING
                                            && !started.workerId().equals(task.workerId())));
            if (applies) {
                change.running(at);
                change.put(taskId, task.running(attempt, at, started.workerId()), at);
            }
        } else {
            TaskCompensation compensation = compensationOf(workflow, task);
            boolean applies = compensation != null
                    && (attempt > compensation.attempt()
                            ? !compensation.status().isSettled()
                            : attempt == compensation.attempt() && compensation.status() == TaskStatus.DISPATCHED);
            if (applies) {
                change.put(taskId, task.withCompensation(compensation.with(TaskStatus.RUNNING, attempt, at)), at);
            }
        }
        return change.finish();
    }

    private static ProjectedWorkflow succeeded(ProjectedWorkflow workflow, TaskSucceeded succeeded) {
        String taskId = succeeded.taskId().value();
        ProjectedTask task = workflow.tasks().get(taskId);
        int attempt = succeeded.attempt();
        if (task == null || attempt < 1) {
            return workflow;
        }
        Instant at = succeeded.finishedAt();
        Change change = new Change(workflow);
        task = change.recordResult(
                taskId, task, succeeded.kind(), attempt, AttemptStatus.SUCCEEDED, succeeded.workerId(), at, null);
        if (succeeded.kind() == TaskKind.TASK) {
            if (workflow.status().acceptsTaskEvents() && resultApplies(task.status(), task.attempt(), attempt)) {
                change.running(at);
                change.put(taskId, task.succeeded(attempt, at, succeeded.workerId(), succeeded.output()), at);
            }
        } else {
            TaskCompensation compensation = compensationOf(workflow, task);
            if (compensation != null && resultApplies(compensation.status(), compensation.attempt(), attempt)) {
                change.put(
                        taskId,
                        task.withCompensation(
                                compensation.ended(TaskStatus.SUCCEEDED, attempt, at, null, succeeded.output())),
                        at);
            }
        }
        return change.finish();
    }

    private ProjectedWorkflow failed(ProjectedWorkflow workflow, TaskFailed failed) {
        String taskId = failed.taskId().value();
        ProjectedTask task = workflow.tasks().get(taskId);
        int attempt = failed.attempt();
        if (task == null || attempt < 1) {
            return workflow;
        }
        TaskError error = new TaskError(failed.errorCode(), failed.message(), failed.retryable());
        Change change = new Change(workflow);
        task = change.recordResult(
                taskId,
                task,
                failed.kind(),
                attempt,
                AttemptStatus.FAILED,
                failed.workerId(),
                failed.finishedAt(),
                error);
        boolean applies = failed.kind() == TaskKind.TASK
                ? workflow.status().acceptsTaskEvents() && resultApplies(task.status(), task.attempt(), attempt)
                : compensationApplies(workflow, task, attempt);
        if (applies) {
            attemptFailed(
                    change,
                    workflow,
                    taskId,
                    task,
                    failed.kind(),
                    attempt,
                    error,
                    failed.workerId(),
                    failed.finishedAt());
        }
        return change.finish();
    }

    private ProjectedWorkflow timedOut(ProjectedWorkflow workflow, TaskTimedOut timedOut) {
        String taskId = timedOut.taskId().value();
        ProjectedTask task = workflow.tasks().get(taskId);
        int attempt = timedOut.attempt();
        if (task == null || attempt < 1) {
            return workflow;
        }
        boolean scheduleToStart = timedOut.timeout() == TimeoutKind.SCHEDULE_TO_START;
        String which = scheduleToStart ? "schedule-to-start" : "start-to-close";
        TaskError error = new TaskError(TIMEOUT, "attempt " + attempt + " exceeded its " + which + " timeout", true);
        Instant at = timedOut.firedAt();
        Change change = new Change(workflow);
        TaskAttempt recorded = task.attemptRecord(timedOut.kind(), attempt);
        if (recorded == null) {
            task = change.record(
                    taskId,
                    task,
                    TaskAttempt.finished(attempt, timedOut.kind(), AttemptStatus.TIMED_OUT, null, at, error));
        } else if (scheduleToStart
                ? recorded.status() == AttemptStatus.DISPATCHED
                : recorded.status().isInFlight()) {
            task = change.record(taskId, task, recorded.withEnd(AttemptStatus.TIMED_OUT, null, at, error));
        }
        @Nullable TaskStatus status;
        int current;
        if (timedOut.kind() == TaskKind.TASK) {
            status = workflow.status().acceptsTaskEvents() ? task.status() : null;
            current = task.attempt();
        } else {
            TaskCompensation compensation = compensationOf(workflow, task);
            status = compensation == null ? null : compensation.status();
            current = compensation == null ? 0 : compensation.attempt();
        }
        boolean applies = status != null
                && attempt == current
                && (scheduleToStart ? status == TaskStatus.DISPATCHED : status.isInFlight());
        if (applies) {
            attemptFailed(change, workflow, taskId, task, timedOut.kind(), attempt, error, null, at);
        }
        return change.finish();
    }

    /** A failed or timed-out current attempt: RETRY_WAIT or FAILED, and what failing for good skips. */
    private void attemptFailed(
            Change change,
            ProjectedWorkflow workflow,
            String taskId,
            ProjectedTask task,
            TaskKind kind,
            int attempt,
            TaskError error,
            @Nullable String workerId,
            Instant at) {
        TaskStatus next = retryExpected(workflow.definition(), taskId, kind, attempt, error)
                ? TaskStatus.RETRY_WAIT
                : TaskStatus.FAILED;
        if (kind == TaskKind.TASK) {
            change.running(at);
            change.put(taskId, task.attemptFailed(attempt, next, at, workerId, error), at);
            if (next == TaskStatus.FAILED) {
                change.reconcileSkippedTasks(workflow.definition(), at);
            }
        } else {
            TaskCompensation compensation = task.compensation();
            if (compensation == null) {
                return;
            }
            change.put(taskId, task.withCompensation(compensation.ended(next, attempt, at, error, null)), at);
            if (next == TaskStatus.FAILED) {
                change.reconcileSkippedCompensations(at);
            }
        }
    }

    private static ProjectedWorkflow retryDue(ProjectedWorkflow workflow, TaskRetryDue due) {
        String taskId = due.taskId().value();
        ProjectedTask task = workflow.tasks().get(taskId);
        if (task == null) {
            return workflow;
        }
        Instant at = due.firedAt();
        // The retry of the previous attempt is on its way: a FAILED forecast was wrong.
        if (due.kind() == TaskKind.TASK) {
            if (!workflow.status().acceptsTaskEvents()
                    || task.attempt() != due.attempt() - 1
                    || task.status() != TaskStatus.FAILED) {
                return workflow;
            }
            Change change = new Change(workflow);
            change.put(taskId, task.withStatus(TaskStatus.RETRY_WAIT, at), at);
            change.reconcileSkippedTasks(workflow.definition(), at);
            return change.finish();
        }
        TaskCompensation compensation = compensationOf(workflow, task);
        if (compensation == null
                || compensation.attempt() != due.attempt() - 1
                || compensation.status() != TaskStatus.FAILED) {
            return workflow;
        }
        Change change = new Change(workflow);
        change.put(taskId, task.withCompensation(compensation.with(TaskStatus.RETRY_WAIT, at)), at);
        change.reconcileSkippedCompensations(at);
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
        for (TaskId compensated : compensating.compensationOrder()) {
            ProjectedTask task = change.task(compensated.value());
            if (task != null && task.compensation() == null) {
                change.put(compensated.value(), task.withCompensation(TaskCompensation.waiting(at)), at);
            }
        }
        change.touch(at);
        return change.finish();
    }

    private static ProjectedWorkflow ended(
            ProjectedWorkflow workflow,
            WorkflowStatus status,
            Instant at,
            @Nullable String reason,
            @Nullable TaskId failedTask,
            @Nullable CompensationOutcome outcome) {
        if (workflow.status().isFinal()) {
            return workflow;
        }
        Change change = new Change(workflow);
        change.endTasks(failedTask, at);
        if (workflow.status() == WorkflowStatus.COMPENSATING) {
            change.endCompensations(at);
        }
        change.status = status;
        change.finishedAt = at;
        change.compensation = outcome;
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

    /** The compensation an event of kind COMPENSATION drives, while the workflow compensates. */
    private static @Nullable TaskCompensation compensationOf(ProjectedWorkflow workflow, ProjectedTask task) {
        return workflow.status() == WorkflowStatus.COMPENSATING ? task.compensation() : null;
    }

    private static boolean compensationApplies(ProjectedWorkflow workflow, ProjectedTask task, int attempt) {
        TaskCompensation compensation = compensationOf(workflow, task);
        return compensation != null && resultApplies(compensation.status(), compensation.attempt(), attempt);
    }

    /**
     * Whether a result (success or failure) for {@code attempt} changes a task or compensation: it
     * is about the attempt out with the workers, or about a newer attempt whose release the log has
     * not shown yet.
     */
    private static boolean resultApplies(TaskStatus status, int current, int attempt) {
        if (attempt > current) {
            return !status.isSettled();
        }
        return attempt == current && status.isInFlight();
    }

    private boolean retryExpected(
            @Nullable WorkflowDefinition definition, String taskId, TaskKind kind, int attempt, TaskError error) {
        if (!error.retryable()) {
            return false;
        }
        RetryPolicy own = null;
        RetryPolicy inherited = null;
        if (definition != null) {
            TaskDefaults defaults = definition.taskDefaults();
            inherited = defaults == null ? null : defaults.retry();
            for (TaskDefinition task : definition.tasks()) {
                if (task.id().value().equals(taskId)) {
                    if (kind == TaskKind.TASK) {
                        own = task.retry();
                    } else {
                        Compensation compensation = task.compensation();
                        own = compensation == null ? null : compensation.retry();
                    }
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

        @Nullable
        CompensationOutcome compensation;

        @Nullable
        Origin origin;

        Change(ProjectedWorkflow before) {
            this.before = before;
            this.status = before.status();
            this.updatedAt = before.updatedAt();
            this.startedAt = before.startedAt();
            this.finishedAt = before.finishedAt();
            this.reason = before.reason();
            this.failedTask = before.failedTask();
            this.compensation = before.compensation();
            this.origin = before.origin();
        }

        @Nullable
        ProjectedTask task(String taskId) {
            return tasksNow().get(taskId);
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

        /** Records an attempt on the task; returns the task with it. */
        ProjectedTask record(String taskId, ProjectedTask task, TaskAttempt attempt) {
            ProjectedTask next = task.withAttempt(attempt);
            putQuietly(taskId, next);
            return next;
        }

        /** Records a worker's result on its attempt (as its late result, if the attempt was abandoned). */
        ProjectedTask recordResult(
                String taskId,
                ProjectedTask task,
                TaskKind kind,
                int attempt,
                AttemptStatus result,
                String workerId,
                Instant at,
                @Nullable TaskError error) {
            TaskAttempt recorded = task.attemptRecord(kind, attempt);
            if (recorded == null) {
                return record(taskId, task, TaskAttempt.finished(attempt, kind, result, workerId, at, error));
            }
            if (recorded.status().isInFlight()) {
                return record(taskId, task, recorded.withEnd(result, workerId, at, error));
            }
            if (recorded.status().isAbandoned() && recorded.lateResult() == null) {
                return record(taskId, task, recorded.withLateResult(new LateResult(result, workerId, at, error)));
            }
            return task;
        }

        /**
         * Unreleased tasks are skipped, attempts out or waiting are cancelled (with their attempt
         * records), the failed task failed.
         */
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
                if (next == task.status()) {
                    continue;
                }
                ProjectedTask ended = task;
                TaskAttempt current = task.attemptRecord(TaskKind.TASK, task.attempt());
                if (next == TaskStatus.CANCELLED
                        && current != null
                        && current.status().isInFlight()) {
                    ended = ended.withAttempt(current.withEnd(AttemptStatus.CANCELLED, null, at, null));
                }
                put(taskId, ended.withStatus(next, at), at);
            }
        }

        /**
         * The compensations end with the workflow: those never released are skipped, a forecast
         * retry that did not come failed.
         */
        void endCompensations(Instant at) {
            for (Map.Entry<String, ProjectedTask> entry : new LinkedHashMap<>(tasksNow()).entrySet()) {
                TaskCompensation compensation = entry.getValue().compensation();
                if (compensation == null) {
                    continue;
                }
                TaskStatus next = switch (compensation.status()) {
                    case WAITING -> TaskStatus.SKIPPED;
                    case RETRY_WAIT -> TaskStatus.FAILED;
                    default -> compensation.status();
                };
                if (next != compensation.status()) {
                    put(entry.getKey(), entry.getValue().withCompensation(compensation.with(next, at)), at);
                }
            }
        }

        /**
         * Tasks downstream (transitively) of a task that failed for good are skipped; skipped tasks
         * that no failed task blocks any more (a failure forecast the log settled as a retry) wait
         * again. Only while the workflow runs, when skipping comes from nothing else.
         */
        void reconcileSkippedTasks(@Nullable WorkflowDefinition definition, Instant at) {
            if (definition == null || !status.acceptsTaskEvents()) {
                return;
            }
            Map<String, List<String>> dependents = new HashMap<>();
            for (TaskDefinition task : definition.tasks()) {
                for (TaskId upstream : task.dependencies()) {
                    dependents
                            .computeIfAbsent(upstream.value(), id -> new ArrayList<>())
                            .add(task.id().value());
                }
            }
            Set<String> blocked = new HashSet<>();
            Deque<String> pending = new ArrayDeque<>();
            tasksNow().forEach((taskId, task) -> {
                if (task.status() == TaskStatus.FAILED) {
                    pending.add(taskId);
                }
            });
            while (!pending.isEmpty()) {
                for (String downstream : dependents.getOrDefault(pending.poll(), List.of())) {
                    if (blocked.add(downstream)) {
                        pending.add(downstream);
                    }
                }
            }
            for (Map.Entry<String, ProjectedTask> entry : new LinkedHashMap<>(tasksNow()).entrySet()) {
                ProjectedTask task = entry.getValue();
                boolean isBlocked = blocked.contains(entry.getKey());
                if (isBlocked && task.status() == TaskStatus.WAITING) {
                    put(entry.getKey(), task.withStatus(TaskStatus.SKIPPED, at), at);
                } else if (!isBlocked && task.status() == TaskStatus.SKIPPED) {
                    put(entry.getKey(), task.withStatus(TaskStatus.WAITING, at), at);
                }
            }
        }

        /**
         * Compensations not released are skipped while some compensation failed for good, and wait
         * again when none did any more (a forecast the log settled as a retry).
         */
        void reconcileSkippedCompensations(Instant at) {
            boolean anyFailed = tasksNow().values().stream()
                    .anyMatch(task ->
                            task.compensation() != null && task.compensation().status() == TaskStatus.FAILED);
            for (Map.Entry<String, ProjectedTask> entry : new LinkedHashMap<>(tasksNow()).entrySet()) {
                TaskCompensation compensation = entry.getValue().compensation();
                if (compensation == null) {
                    continue;
                }
                if (anyFailed && compensation.status() == TaskStatus.WAITING) {
                    put(
                            entry.getKey(),
                            entry.getValue().withCompensation(compensation.with(TaskStatus.SKIPPED, at)),
                            at);
                } else if (!anyFailed && compensation.status() == TaskStatus.SKIPPED) {
                    put(
                            entry.getKey(),
                            entry.getValue().withCompensation(compensation.with(TaskStatus.WAITING, at)),
                            at);
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
                    compensation,
                    origin,
                    tasksNow(),
                    before.definition());
        }
    }
}
