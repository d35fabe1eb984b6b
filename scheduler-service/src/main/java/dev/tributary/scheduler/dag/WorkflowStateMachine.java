package dev.tributary.scheduler.dag;

import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.CompensationOutcome;
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
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.scheduler.dag.Decision.CancelTimer;
import dev.tributary.scheduler.dag.Decision.Dispatch;
import dev.tributary.scheduler.dag.Decision.Emit;
import dev.tributary.scheduler.dag.Decision.ScheduleTimer;
import dev.tributary.scheduler.dag.Decision.TimerKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.NullNode;

/**
 * The DAG state machine: a pure function from (run, history event) to (new run, decisions).
 *
 * <p>Decisions change the state at once, in the same step that returns them, so the adapter can
 * persist both in one transaction; when the scheduler's own {@code TasksDispatched} or outcome
 * event comes back through the log it only marks the decision as logged. Replaying the log
 * therefore reproduces the same state, and {@link #pending} tells a replay which decisions never
 * reached the log (ADR 0003).
 *
 * <p>Every rule ignores what it cannot apply: events for unknown workflows (other than {@code
 * WorkflowAccepted}), unknown tasks, stale or future attempts, results for final tasks, and
 * anything after the run ended. Such events return the run unchanged and no decisions.
 *
 * <p>Stateless and thread-safe; all time comes from the events.
 */
public final class WorkflowStateMachine {

    /** Error code of an attempt that a timer declared timed out. */
    public static final String TIMEOUT = "TIMEOUT";

    private final RetryDefaults retryDefaults;

    public WorkflowStateMachine(RetryDefaults retryDefaults) {
        this.retryDefaults = Objects.requireNonNull(retryDefaults, "retryDefaults");
    }

    /** A state machine with {@link RetryDefaults#STANDARD}. */
    public WorkflowStateMachine() {
        this(RetryDefaults.STANDARD);
    }

    /**
     * Applies one history event.
     *
     * @param run the run of the event's workflow, or {@code null} when the scheduler has none
     */
    public Transition apply(@Nullable WorkflowRun run, WorkflowEvent event) {
        if (run == null) {
            return event instanceof WorkflowAccepted accepted ? accept(accepted) : Transition.unchanged(null);
        }
        if (!run.id().equals(event.workflowId())) {
            throw new IllegalArgumentException(
                    "event for workflow " + event.workflowId() + " applied to run " + run.id());
        }
        return switch (event) {
            case WorkflowAccepted ignored -> Transition.unchanged(run);
            case TasksDispatched dispatched -> dispatched(run, dispatched);
            case TaskStarted started -> started(run, started);
            case TaskSucceeded succeeded -> succeeded(run, succeeded);
            case TaskFailed failed ->
                attemptEnded(
                        run,
                        failed.taskId(),
                        failed.attempt(),
                        failed.kind(),
                        new TaskError(failed.errorCode(), failed.message()),
                        failed.retryable(),
                        failed.finishedAt(),
                        false);
            case TaskTimedOut timedOut -> timedOut(run, timedOut);
            case TaskRetryDue due -> retryDue(run, due);
            case WorkflowCancelRequested cancel -> cancel(run, cancel);
            case WorkflowSucceeded outcome -> outcomeLogged(run, outcome, WorkflowStatus.SUCCEEDED);
            case WorkflowFailed outcome -> outcomeLogged(run, outcome, WorkflowStatus.FAILED);
            case WorkflowCancelled outcome -> outcomeLogged(run, outcome, WorkflowStatus.CANCELLED);
            // Compensation is a later issue; the scheduler does not decide it yet, so nothing to do.
            case WorkflowCompensating ignored -> Transition.unchanged(run);
            case WorkflowEvent.WorkflowRetryRequested ignored -> Transition.unchanged(run);
            case WorkflowEvent.WorkflowTimedOut ignored -> Transition.unchanged(run);
        };
    }

    /** Applies events in order; the decisions of all of them, concatenated. */
    public Transition applyAll(@Nullable WorkflowRun run, List<? extends WorkflowEvent> events) {
        List<Decision> decisions = new ArrayList<>();
        WorkflowRun current = run;
        for (WorkflowEvent event : events) {
            Transition transition = apply(current, event);
            current = transition.run();
            decisions.addAll(transition.decisions());
        }
        return new Transition(current, decisions);
    }

    /**
     * The decisions the run holds that have not come back through the log: releases whose {@code
     * TasksDispatched} is not logged, an outcome that is not logged, and every timer the run
     * expects to be armed. A replay that suppressed decisions while it caught up persists these
     * once it reaches the end of the log; persisting them again is harmless (timers are replaced,
     * and a repeated release carries the same attempt numbers and idempotency keys).
     *
     * @param now the time stamped on a re-issued {@code TasksDispatched}
     */
    public List<Decision> pending(WorkflowRun run, Instant now) {
        List<Decision> decisions = new ArrayList<>();
        if (run.status() == WorkflowStatus.RUNNING) {
            Step step = new Step(run);
            List<DispatchedTask> released = new ArrayList<>();
            List<TaskDispatch> commands = new ArrayList<>();
            List<Decision> timers = new ArrayList<>();
            run.tasks().forEach((taskId, task) -> {
                if (task.status() == TaskStatus.DISPATCHED && !task.dispatchLogged()) {
                    TaskDefinition definition = run.dag().task(taskId);
                    released.add(new DispatchedTask(
                            taskId, definition.type(), task.attempt(), TaskKind.TASK, task.deadline()));
                    commands.add(step.command(definition, task.attempt(), task.deadline()));
                }
                if (task.status().isInFlight()) {
                    if (task.startBy() != null) {
                        timers.add(scheduleToStartTimer(run.id(), taskId, task.attempt(), task.startBy()));
                    }
                    if (task.deadline() != null) {
                        timers.add(startToCloseTimer(run.id(), taskId, task.attempt(), task.deadline()));
                    }
                } else if (task.status() == TaskStatus.RETRY_WAIT && task.retryAt() != null) {
                    timers.add(retryTimer(run.id(), taskId, task.attempt() + 1, task.retryAt()));
                }
            });
            if (!released.isEmpty()) {
                decisions.add(new Dispatch(new TasksDispatched(run.id(), released, now), commands));
            }
            decisions.addAll(timers);
        }
        WorkflowEvent outcome = run.outcome();
        if (outcome != null && !run.outcomeLogged()) {
            decisions.add(new Emit(outcome));
        }
        return decisions;
    }

    private Transition accept(WorkflowAccepted accepted) {
        Dag dag = Dag.of(accepted.definition());
        Map<TaskId, TaskState> tasks = new LinkedHashMap<>();
        dag.tasks().keySet().forEach(id -> tasks.put(id, TaskState.waiting()));
        WorkflowRun initial = new WorkflowRun(
                accepted.workflowId(), dag, accepted.acceptedAt(), WorkflowStatus.RUNNING, tasks, null, false);
        Step step = new Step(initial);
        String problem = dag.problem().orElse(null);
        if (problem != null) {
            step.failWorkflow(null, "invalid definition: " + problem, accepted.acceptedAt());
            return step.finish();
        }
        for (TaskDefinition task : dag.tasks().values()) {
            if (task.dependencies().isEmpty()) {
                step.release(task.id(), 1, accepted.acceptedAt());
            }
        }
        step.succeedIfDone(accepted.acceptedAt());
        return step.finish();
    }

    private Transition dispatched(WorkflowRun run, TasksDispatched dispatched) {
        Step step = new Step(run);
        for (DispatchedTask released : dispatched.tasks()) {
            TaskState task = run.tasks().get(released.taskId());
            if (released.kind() != TaskKind.TASK || task == null) {
                continue;
            }
            if (released.attempt() == task.attempt()) {
                if (!task.dispatchLogged()) {
                    step.put(released.taskId(), task.logged());
                }
            } else if (released.attempt() > task.attempt()
                    && run.status() == WorkflowStatus.RUNNING
                    && !task.status().isFinal()) {
                // Not our decision, yet on the log: the log wins. Adopt the attempt (without timers,
                // which whoever released it armed) so that its results are accepted.
                step.cancelTimersOf(released.taskId(), task);
                step.put(
                        released.taskId(),
                        task.dispatched(released.attempt(), null, null).logged());
            }
        }
        return step.finish();
    }

    private Transition started(WorkflowRun run, TaskStarted started) {
        TaskState task = currentAttempt(run, started.taskId(), started.attempt(), started.kind());
        if (task == null || task.status() != TaskStatus.DISPATCHED) {
            return Transition.unchanged(run);
        }
        Step step = new Step(run);
        if (task.startBy() != null) {
            step.timers.add(new CancelTimer(scheduleToStartKey(run.id(), started.taskId(), task.attempt())));
        }
        step.put(started.taskId(), task.running());
        return step.finish();
    }

    private Transition succeeded(WorkflowRun run, TaskSucceeded succeeded) {
        TaskState task = currentAttempt(run, succeeded.taskId(), succeeded.attempt(), succeeded.kind());
        if (task == null || !task.status().isInFlight()) {
            return Transition.unchanged(run);
        }
        Step step = new Step(run);
        step.cancelTimersOf(succeeded.taskId(), task);
        step.put(succeeded.taskId(), task.succeeded(succeeded.output()));
        for (TaskId dependent : run.dag().dependents(succeeded.taskId())) {
            if (step.task(dependent).status() == TaskStatus.WAITING && step.dependenciesSucceeded(dependent)) {
                step.release(dependent, 1, succeeded.finishedAt());
            }
        }
        step.succeedIfDone(succeeded.finishedAt());
        return step.finish();
    }

    private Transition timedOut(WorkflowRun run, TaskTimedOut timedOut) {
        TaskState task = currentAttempt(run, timedOut.taskId(), timedOut.attempt(), timedOut.kind());
        boolean applies = task != null
                && (timedOut.timeout() == TimeoutKind.SCHEDULE_TO_START
                        ? task.status() == TaskStatus.DISPATCHED && task.startBy() != null
                        : task.status().isInFlight() && task.deadline() != null);
        if (!applies) {
            return Transition.unchanged(run);
        }
        String which = timedOut.timeout() == TimeoutKind.SCHEDULE_TO_START ? "schedule-to-start" : "start-to-close";
        return attemptEnded(
                run,
                timedOut.taskId(),
                timedOut.attempt(),
                timedOut.kind(),
                new TaskError(TIMEOUT, "attempt " + timedOut.attempt() + " exceeded its " + which + " timeout"),
                true,
                timedOut.firedAt(),
                true);
    }

    private Transition attemptEnded(
            WorkflowRun run,
            TaskId taskId,
            int attempt,
            TaskKind kind,
            TaskError error,
            boolean retryable,
            Instant at,
            boolean checked) {
        TaskState task = currentAttempt(run, taskId, attempt, kind);
        if (task == null || (!checked && !task.status().isInFlight())) {
            return Transition.unchanged(run);
        }
        Step step = new Step(run);
        step.cancelTimersOf(taskId, task);
        EffectivePolicy policy =
                EffectivePolicy.of(run.dag().definition(), run.dag().task(taskId), retryDefaults);
        if (policy.retries(attempt, retryable, error.code())) {
            Duration wait = policy.backoff(attempt, TaskDispatch.idempotencyKey(run.id(), taskId, attempt));
            Instant retryAt = at.plus(wait);
            if (wait.isZero()) {
                step.put(taskId, task.retryWait(error, at));
                step.release(taskId, attempt + 1, at);
            } else {
                step.put(taskId, task.retryWait(error, retryAt));
                step.timers.add(retryTimer(run.id(), taskId, attempt + 1, retryAt));
            }
            return step.finish();
        }
        step.put(taskId, task.failed(error));
        String attempts = attempt == 1 ? "" : " after " + attempt + " attempts";
        step.failWorkflow(
                taskId, "task '" + taskId + "' failed" + attempts + ": " + error.code() + ": " + error.message(), at);
        return step.finish();
    }

    private Transition retryDue(WorkflowRun run, TaskRetryDue due) {
        TaskState task = currentAttempt(run, due.taskId(), due.attempt() - 1, due.kind());
        if (task == null || task.status() != TaskStatus.RETRY_WAIT) {
            return Transition.unchanged(run);
        }
        Step step = new Step(run);
        step.release(due.taskId(), due.attempt(), due.firedAt());
        return step.finish();
    }

    private Transition cancel(WorkflowRun run, WorkflowCancelRequested cancel) {
        if (run.status() != WorkflowStatus.RUNNING) {
            return Transition.unchanged(run);
        }
        Step step = new Step(run);
        step.endUnfinishedTasks();
        step.end(
                WorkflowStatus.CANCELLED, new WorkflowCancelled(run.id(), cancel.reason(), cancel.requestedAt()), true);
        return step.finish();
    }

    private Transition outcomeLogged(WorkflowRun run, WorkflowEvent outcome, WorkflowStatus status) {
        WorkflowEvent decided = run.outcome();
        if (decided != null) {
            if (!run.outcomeLogged() && decided.getClass() == outcome.getClass()) {
                return Transition.unchanged(new WorkflowRun(
                        run.id(), run.dag(), run.acceptedAt(), run.status(), run.tasks(), decided, true));
            }
            return Transition.unchanged(run);
        }
        if (run.status() != WorkflowStatus.RUNNING) {
            return Transition.unchanged(run);
        }
        // An outcome this scheduler did not decide is on the log: the log wins.
        Step step = new Step(run);
        step.endUnfinishedTasks();
        step.end(status, outcome, false);
        step.outcomeLogged = true;
        return step.finish();
    }

    /** The task's state if the event is about its current attempt of a running workflow. */
    private static @Nullable TaskState currentAttempt(WorkflowRun run, TaskId taskId, int attempt, TaskKind kind) {
        if (run.status() != WorkflowStatus.RUNNING || kind != TaskKind.TASK) {
            return null;
        }
        TaskState task = run.tasks().get(taskId);
        if (task == null || task.attempt() != attempt || attempt < 1) {
            return null;
        }
        return task;
    }

    private static TimerKey scheduleToStartKey(WorkflowId workflowId, TaskId taskId, int attempt) {
        return new TimerKey(workflowId, "schedule-to-start/" + taskId.value() + "/" + attempt);
    }

    private static TimerKey startToCloseKey(WorkflowId workflowId, TaskId taskId, int attempt) {
        return new TimerKey(workflowId, "start-to-close/" + taskId.value() + "/" + attempt);
    }

    private static TimerKey retryKey(WorkflowId workflowId, TaskId taskId, int attempt) {
        return new TimerKey(workflowId, "retry/" + taskId.value() + "/" + attempt);
    }

    private static ScheduleTimer scheduleToStartTimer(WorkflowId workflowId, TaskId taskId, int attempt, Instant at) {
        return new ScheduleTimer(
                scheduleToStartKey(workflowId, taskId, attempt),
                at,
                new TaskTimedOut(workflowId, taskId, attempt, TaskKind.TASK, TimeoutKind.SCHEDULE_TO_START, at));
    }

    private static ScheduleTimer startToCloseTimer(WorkflowId workflowId, TaskId taskId, int attempt, Instant at) {
        return new ScheduleTimer(
                startToCloseKey(workflowId, taskId, attempt),
                at,
                new TaskTimedOut(workflowId, taskId, attempt, TaskKind.TASK, TimeoutKind.START_TO_CLOSE, at));
    }

    private static ScheduleTimer retryTimer(WorkflowId workflowId, TaskId taskId, int attempt, Instant at) {
        return new ScheduleTimer(
                retryKey(workflowId, taskId, attempt),
                at,
                new TaskRetryDue(workflowId, taskId, attempt, TaskKind.TASK, at));
    }

    /**
     * One application in progress: copies the task map on first write, collects the attempts
     * released (emitted as one {@code Dispatch}), timers, and events to emit.
     */
    private final class Step {

        private final WorkflowRun run;
        private @Nullable Map<TaskId, TaskState> tasks;
        private WorkflowStatus status;
        private @Nullable WorkflowEvent outcome;
        private boolean outcomeLogged;
        private final List<DispatchedTask> released = new ArrayList<>();
        private final List<TaskDispatch> commands = new ArrayList<>();
        private @Nullable Instant releasedAt;
        private final List<Decision> timers = new ArrayList<>();
        private final List<Decision> emits = new ArrayList<>();

        Step(WorkflowRun run) {
            this.run = run;
            this.status = run.status();
            this.outcome = run.outcome();
            this.outcomeLogged = run.outcomeLogged();
        }

        TaskState task(TaskId id) {
            Map<TaskId, TaskState> current = tasks == null ? run.tasks() : tasks;
            return Objects.requireNonNull(current.get(id), id.value());
        }

        void put(TaskId id, TaskState state) {
            if (tasks == null) {
                tasks = new LinkedHashMap<>(run.tasks());
            }
            tasks.put(id, state);
        }

        boolean dependenciesSucceeded(TaskId id) {
            for (TaskId dependency : run.dag().task(id).dependencies()) {
                if (task(dependency).status() != TaskStatus.SUCCEEDED) {
                    return false;
                }
            }
            return true;
        }

        /** Releases one attempt at {@code at}: state DISPATCHED, a dispatch entry, its timers. */
        void release(TaskId id, int attempt, Instant at) {
            TaskDefinition definition = run.dag().task(id);
            EffectivePolicy policy = EffectivePolicy.of(run.dag().definition(), definition, retryDefaults);
            Instant startBy = policy.scheduleToStart() == null ? null : at.plus(policy.scheduleToStart());
            Instant deadline = null;
            if (policy.startToClose() != null) {
                deadline = (startBy == null ? at : startBy).plus(policy.startToClose());
            }
            put(id, task(id).dispatched(attempt, startBy, deadline));
            released.add(new DispatchedTask(id, definition.type(), attempt, TaskKind.TASK, deadline));
            commands.add(command(definition, attempt, deadline));
            releasedAt = at;
            if (startBy != null) {
                timers.add(scheduleToStartTimer(run.id(), id, attempt, startBy));
            }
            if (deadline != null) {
                timers.add(startToCloseTimer(run.id(), id, attempt, deadline));
            }
        }

        TaskDispatch command(TaskDefinition definition, int attempt, @Nullable Instant deadline) {
            Map<TaskId, JsonNode> upstream = new LinkedHashMap<>();
            for (TaskId dependency : definition.dependencies()) {
                JsonNode output = task(dependency).output();
                upstream.put(dependency, output == null ? NullNode.getInstance() : output);
            }
            return new TaskDispatch(
                    run.id(),
                    definition.id(),
                    attempt,
                    TaskKind.TASK,
                    definition.type(),
                    definition.input(),
                    upstream,
                    deadline,
                    TaskDispatch.idempotencyKey(run.id(), definition.id(), attempt));
        }

        /** Disarms whatever timers the task's current attempt has armed. */
        void cancelTimersOf(TaskId id, TaskState state) {
            if (state.startBy() != null) {
                timers.add(new CancelTimer(scheduleToStartKey(run.id(), id, state.attempt())));
            }
            if (state.deadline() != null) {
                timers.add(new CancelTimer(startToCloseKey(run.id(), id, state.attempt())));
            }
            if (state.status() == TaskStatus.RETRY_WAIT && state.retryAt() != null) {
                timers.add(new CancelTimer(retryKey(run.id(), id, state.attempt() + 1)));
            }
        }

        void succeedIfDone(Instant at) {
            Map<TaskId, TaskState> current = tasks == null ? run.tasks() : tasks;
            if (status == WorkflowStatus.RUNNING
                    && current.values().stream().allMatch(task -> task.status() == TaskStatus.SUCCEEDED)) {
                end(WorkflowStatus.SUCCEEDED, new WorkflowSucceeded(run.id(), at), true);
            }
        }

        /** Ends the workflow in failure: waiting tasks skipped, tasks in flight cancelled. */
        void failWorkflow(@Nullable TaskId failedTask, String reason, Instant at) {
            endUnfinishedTasks();
            end(
                    WorkflowStatus.FAILED,
                    new WorkflowFailed(run.id(), failedTask, reason, CompensationOutcome.NONE, at),
                    true);
        }

        void endUnfinishedTasks() {
            Map<TaskId, TaskState> current = new LinkedHashMap<>(tasks == null ? run.tasks() : tasks);
            current.forEach((id, state) -> {
                if (state.status() == TaskStatus.WAITING) {
                    put(id, state.ended(TaskStatus.SKIPPED));
                } else if (!state.status().isFinal()) {
                    cancelTimersOf(id, state);
                    put(id, state.ended(TaskStatus.CANCELLED));
                }
            });
        }

        void end(WorkflowStatus finalStatus, WorkflowEvent event, boolean emit) {
            status = finalStatus;
            outcome = event;
            if (emit) {
                emits.add(new Emit(event));
            }
        }

        Transition finish() {
            List<Decision> decisions = new ArrayList<>();
            if (!released.isEmpty()) {
                decisions.add(new Dispatch(
                        new TasksDispatched(run.id(), released, Objects.requireNonNull(releasedAt)), commands));
            }
            decisions.addAll(timers);
            decisions.addAll(emits);
            boolean changed = tasks != null
                    || status != run.status()
                    || outcome != run.outcome()
                    || outcomeLogged != run.outcomeLogged();
            WorkflowRun next = changed
                    ? new WorkflowRun(
                            run.id(),
                            run.dag(),
                            run.acceptedAt(),
                            status,
                            tasks == null ? run.tasks() : tasks,
                            outcome,
                            outcomeLogged)
                    : run;
            return new Transition(next, decisions);
        }
    }
}
