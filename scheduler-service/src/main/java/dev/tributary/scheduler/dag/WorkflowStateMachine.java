package dev.tributary.scheduler.dag;

import dev.tributary.events.definition.Compensation;
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
import dev.tributary.events.history.WorkflowEvent.WorkflowRetryRequested;
import dev.tributary.events.history.WorkflowEvent.WorkflowSucceeded;
import dev.tributary.events.history.WorkflowEvent.WorkflowTimedOut;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.CompensatedTask;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.scheduler.dag.Decision.CancelAttempt;
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
 * The DAG state machine: a pure function from (run, history event) to (new run, decisions). The
 * rules are those of docs/failure-semantics.md: retries, timeouts, failure propagation, the
 * workflow deadline, cancellation, compensation (saga) and rerun.
 *
 * <p>Decisions change the state at once, in the same step that returns them, so the adapter can
 * persist both in one transaction; when the scheduler's own {@code TasksDispatched} or outcome
 * event comes back through the log it only marks the decision as logged. Replaying the log
 * therefore reproduces the same state, and {@link #pending} tells a replay which decisions never
 * reached the log (ADR 0003).
 *
 * <p>Every rule ignores what it cannot apply: events for unknown workflows (other than {@code
 * WorkflowAccepted}), unknown tasks, stale or future attempts, results for final tasks or
 * compensations, task results while compensating, compensation results while not, a deadline that
 * is not the current run's, and anything after the run ended (except a rerun request). Such events
 * return the run unchanged and no decisions.
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
            case WorkflowTimedOut timedOut -> deadlinePassed(run, timedOut);
            case WorkflowRetryRequested rerun -> rerun(run, rerun);
            case WorkflowSucceeded outcome ->
                outcomeLogged(run, outcome, WorkflowStatus.SUCCEEDED, outcome.finishedAt());
            case WorkflowFailed outcome -> outcomeLogged(run, outcome, WorkflowStatus.FAILED, outcome.finishedAt());
            case WorkflowCancelled outcome ->
                outcomeLogged(run, outcome, WorkflowStatus.CANCELLED, outcome.finishedAt());
            case WorkflowCompensating compensating -> compensatingLogged(run, compensating);
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
     * The decisions the run holds that have not come back through the log: releases (of tasks or
     * compensations) whose {@code TasksDispatched} is not logged, an outcome (or {@code
     * WorkflowCompensating}) that is not logged, and every timer the run expects to be armed
     * (attempt timeouts, retry waits, the workflow deadline). A replay that suppressed decisions
     * while it caught up persists these once it reaches the end of the log; persisting them again
     * is harmless (timers are replaced, and a repeated release carries the same attempt numbers and
     * idempotency keys).
     *
     * <p>{@code TaskCancel} commands are not re-issued: the run keeps no memory of them once the
     * attempts are {@code CANCELLED}, and a lost cancel only lets an attempt run to its own timeout,
     * its result ignored.
     *
     * @param now the time stamped on a re-issued {@code TasksDispatched}
     */
    public List<Decision> pending(WorkflowRun run, Instant now) {
        List<Decision> decisions = new ArrayList<>();
        WorkflowEvent outcome = run.outcome();
        boolean outcomePending = outcome != null && !run.outcomeLogged();
        if (outcomePending && outcome instanceof WorkflowCompensating) {
            decisions.add(new Emit(outcome));
        }
        Step step = new Step(run);
        List<DispatchedTask> released = new ArrayList<>();
        List<TaskDispatch> commands = new ArrayList<>();
        List<Decision> timers = new ArrayList<>();
        if (run.status() == WorkflowStatus.RUNNING) {
            run.tasks()
                    .forEach(
                            (taskId, task) -> pendingOf(step, TaskKind.TASK, taskId, task, released, commands, timers));
            Instant deadline = run.deadline();
            if (deadline != null) {
                timers.add(deadlineTimer(run.id(), run.reruns(), deadline));
            }
        } else if (run.status() == WorkflowStatus.COMPENSATING) {
            run.compensations()
                    .forEach((taskId, compensation) ->
                            pendingOf(step, TaskKind.COMPENSATION, taskId, compensation, released, commands, timers));
        }
        if (!released.isEmpty()) {
            decisions.add(new Dispatch(new TasksDispatched(run.id(), released, now), commands));
        }
        decisions.addAll(timers);
        if (outcomePending && !(outcome instanceof WorkflowCompensating)) {
            decisions.add(new Emit(outcome));
        }
        return decisions;
    }

    private void pendingOf(
            Step step,
            TaskKind kind,
            TaskId taskId,
            TaskState state,
            List<DispatchedTask> released,
            List<TaskDispatch> commands,
            List<Decision> timers) {
        WorkflowId id = step.run.id();
        if (state.status() == TaskStatus.DISPATCHED && !state.dispatchLogged()) {
            TaskDefinition definition = step.run.dag().task(taskId);
            released.add(new DispatchedTask(taskId, typeOf(definition, kind), state.attempt(), kind, state.deadline()));
            commands.add(step.command(kind, definition, state.attempt(), state.deadline()));
        }
        if (state.status().isInFlight()) {
            if (state.startBy() != null) {
                timers.add(scheduleToStartTimer(id, kind, taskId, state.attempt(), state.startBy()));
            }
            if (state.deadline() != null) {
                timers.add(startToCloseTimer(id, kind, taskId, state.attempt(), state.deadline()));
            }
        } else if (state.status() == TaskStatus.RETRY_WAIT && state.retryAt() != null) {
            timers.add(retryTimer(id, kind, taskId, state.attempt() + 1, state.retryAt()));
        }
    }

    private Transition accept(WorkflowAccepted accepted) {
        Dag dag = Dag.of(accepted.definition());
        Map<TaskId, TaskState> tasks = new LinkedHashMap<>();
        dag.tasks().keySet().forEach(id -> tasks.put(id, TaskState.waiting()));
        WorkflowRun initial = new WorkflowRun(
                accepted.workflowId(), dag, accepted.acceptedAt(), WorkflowStatus.RUNNING, tasks, null, false);
        Step step = new Step(initial);
        step.deadlineArmed = false;
        String problem = dag.problem().orElse(null);
        if (problem != null) {
            step.failure = new Failure(null, "invalid definition: " + problem);
            step.failRun(accepted.acceptedAt());
            return step.finish();
        }
        step.releaseReady(accepted.acceptedAt());
        step.settle(accepted.acceptedAt());
        step.armDeadline();
        return step.finish();
    }

    private Transition dispatched(WorkflowRun run, TasksDispatched dispatched) {
        Step step = new Step(run);
        for (DispatchedTask released : dispatched.tasks()) {
            TaskKind kind = released.kind();
            TaskState task = step.slots(kind).get(released.taskId());
            if (task == null) {
                continue;
            }
            if (released.attempt() == task.attempt()) {
                if (!task.dispatchLogged() && task.status() != TaskStatus.WAITING) {
                    step.put(kind, released.taskId(), task.logged());
                }
            } else if (released.attempt() > task.attempt()
                    && run.status() == activeStatus(kind)
                    && !task.status().isFinal()) {
                // Not our decision, yet on the log: the log wins. Adopt the attempt (without timers,
                // which whoever released it armed) so that its results are accepted.
                step.cancelTimersOf(kind, released.taskId(), task);
                step.put(
                        kind,
                        released.taskId(),
                        task.dispatched(released.attempt(), null, null).logged());
            }
        }
        return step.finish();
    }

    private Transition started(WorkflowRun run, TaskStarted started) {
        TaskKind kind = started.kind();
        TaskState task = currentAttempt(run, started.taskId(), started.attempt(), kind);
        if (task == null || task.status() != TaskStatus.DISPATCHED) {
            return Transition.unchanged(run);
        }
        Step step = new Step(run);
        if (task.startBy() != null) {
            step.timers.add(new CancelTimer(scheduleToStartKey(run.id(), kind, started.taskId(), task.attempt())));
        }
        step.put(kind, started.taskId(), task.running());
        return step.finish();
    }

    private Transition succeeded(WorkflowRun run, TaskSucceeded succeeded) {
        TaskKind kind = succeeded.kind();
        TaskState task = currentAttempt(run, succeeded.taskId(), succeeded.attempt(), kind);
        if (task == null || !task.status().isInFlight()) {
            return Transition.unchanged(run);
        }
        Step step = new Step(run);
        step.cancelTimersOf(kind, succeeded.taskId(), task);
        if (kind == TaskKind.TASK) {
            step.put(kind, succeeded.taskId(), task.succeeded(succeeded.output()));
            for (TaskId dependent : run.dag().dependents(succeeded.taskId())) {
                TaskState state = step.task(dependent);
                if (state.status() == TaskStatus.WAITING && step.dependenciesSucceeded(dependent)) {
                    step.release(TaskKind.TASK, dependent, state.attempt() + 1, succeeded.finishedAt());
                }
            }
        } else {
            // A compensation's output is not kept: nothing downstream consumes it.
            step.put(kind, succeeded.taskId(), task.succeeded(null));
            step.releaseCompensations(succeeded.finishedAt());
        }
        step.settle(succeeded.finishedAt());
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
        step.cancelTimersOf(kind, taskId, task);
        EffectivePolicy policy = step.policy(kind, run.dag().task(taskId));
        if (policy.retries(attempt, retryable, error.code())) {
            Duration wait = policy.backoff(attempt, TaskDispatch.idempotencyKey(run.id(), taskId, kind, attempt));
            Instant retryAt = at.plus(wait);
            if (wait.isZero()) {
                step.put(kind, taskId, task.retryWait(error, at));
                step.release(kind, taskId, attempt + 1, at);
            } else {
                step.put(kind, taskId, task.retryWait(error, retryAt));
                step.timers.add(retryTimer(run.id(), kind, taskId, attempt + 1, retryAt));
            }
            return step.finish();
        }
        step.put(kind, taskId, task.failed(error));
        String attempts = attempt == 1 ? "" : " after " + attempt + " attempts";
        String failed = "failed" + attempts + ": " + error.code() + ": " + error.message();
        if (kind == TaskKind.TASK) {
            if (step.failure == null) {
                step.failure = new Failure(taskId, "task '" + taskId + "' " + failed);
            }
            step.skipDownstream(taskId);
        } else {
            if (step.compensationFailure == null) {
                step.compensationFailure = new Failure(taskId, "compensation of task '" + taskId + "' " + failed);
            }
            step.skipWaitingCompensations();
        }
        step.settle(at);
        return step.finish();
    }

    private Transition retryDue(WorkflowRun run, TaskRetryDue due) {
        TaskState task = currentAttempt(run, due.taskId(), due.attempt() - 1, due.kind());
        if (task == null || task.status() != TaskStatus.RETRY_WAIT) {
            return Transition.unchanged(run);
        }
        Step step = new Step(run);
        step.release(due.kind(), due.taskId(), due.attempt(), due.firedAt());
        return step.finish();
    }

    private Transition cancel(WorkflowRun run, WorkflowCancelRequested cancel) {
        if (run.status() != WorkflowStatus.RUNNING) {
            // A compensating workflow is failing already; its compensations finish (§4).
            return Transition.unchanged(run);
        }
        if (run.reruns() > 0 && cancel.requestedAt().isBefore(run.runningSince())) {
            // A redelivered request that cancelled the run before the rerun.
            return Transition.unchanged(run);
        }
        Step step = new Step(run);
        String reason = cancel.reason() == null ? "workflow cancelled" : "workflow cancelled: " + cancel.reason();
        step.endUnfinishedTasks(reason, cancel.requestedAt());
        step.end(
                WorkflowStatus.CANCELLED, new WorkflowCancelled(run.id(), cancel.reason(), cancel.requestedAt()), true);
        return step.finish();
    }

    private Transition deadlinePassed(WorkflowRun run, WorkflowTimedOut timedOut) {
        if (run.status() != WorkflowStatus.RUNNING || !timedOut.deadline().equals(run.deadline())) {
            // Compensating: the compensations run to their end (§2). Another deadline: a timer of
            // the run before a rerun that fired before it was disarmed.
            return Transition.unchanged(run);
        }
        Step step = new Step(run);
        step.deadlineArmed = false; // it just fired
        String reason = "workflow deadline " + timedOut.deadline() + " exceeded";
        step.endUnfinishedTasks(reason, timedOut.firedAt());
        if (step.failure == null) {
            step.failure = new Failure(null, reason);
        }
        step.failRun(timedOut.firedAt());
        return step.finish();
    }

    private Transition rerun(WorkflowRun run, WorkflowRetryRequested rerun) {
        boolean rerunnable = run.status() == WorkflowStatus.FAILED || run.status() == WorkflowStatus.CANCELLED;
        if (!rerunnable || !rerun.requestedAt().isAfter(run.runningSince())) {
            // Running, compensating or succeeded; or a redelivery of the request that started the
            // current run (it is not later than the run's own start).
            return Transition.unchanged(run);
        }
        Step step = new Step(run);
        Map<TaskId, Integer> attempts = new LinkedHashMap<>(run.compensationAttempts());
        run.compensations()
                .forEach((taskId, compensation) -> attempts.merge(taskId, compensation.attempt(), Math::max));
        run.tasks().forEach((taskId, task) -> {
            TaskState compensation = run.compensations().get(taskId);
            boolean undone = compensation != null && compensation.status() == TaskStatus.SUCCEEDED;
            if (task.status() != TaskStatus.SUCCEEDED || undone) {
                step.put(TaskKind.TASK, taskId, task.rerun());
            }
        });
        step.compensations = new LinkedHashMap<>();
        step.compensationAttempts = attempts;
        step.status = WorkflowStatus.RUNNING;
        step.outcome = null;
        step.outcomeLogged = false;
        step.failure = null;
        step.compensationFailure = null;
        step.reruns = run.reruns() + 1;
        step.runningSince = rerun.requestedAt();
        step.deadlineArmed = false;
        step.releaseReady(rerun.requestedAt());
        step.settle(rerun.requestedAt());
        step.armDeadline();
        return step.finish();
    }

    private Transition compensatingLogged(WorkflowRun run, WorkflowCompensating compensating) {
        if (run.outcome() instanceof WorkflowCompensating decided
                && !run.outcomeLogged()
                && decided.equals(compensating)) {
            return Transition.unchanged(withOutcomeLogged(run));
        }
        // Ours, logged already or overtaken by the outcome; or one this scheduler did not decide,
        // which it cannot adopt (it does not know the compensation states): ignored.
        return Transition.unchanged(run);
    }

    private Transition outcomeLogged(WorkflowRun run, WorkflowEvent outcome, WorkflowStatus status, Instant at) {
        WorkflowEvent decided = run.outcome();
        if (decided != null) {
            if (!run.outcomeLogged() && decided.getClass() == outcome.getClass()) {
                return Transition.unchanged(withOutcomeLogged(run));
            }
            return Transition.unchanged(run);
        }
        if (run.status() != WorkflowStatus.RUNNING || (run.reruns() > 0 && !at.isAfter(run.runningSince()))) {
            // The second case: the outcome of the run before the rerun, redelivered.
            return Transition.unchanged(run);
        }
        // An outcome this scheduler did not decide is on the log: the log wins.
        Step step = new Step(run);
        step.endUnfinishedTasks(null, at);
        step.end(status, outcome, false);
        step.outcomeLogged = true;
        return step.finish();
    }

    private static WorkflowRun withOutcomeLogged(WorkflowRun run) {
        return new WorkflowRun(
                run.id(),
                run.dag(),
                run.acceptedAt(),
                run.status(),
                run.tasks(),
                run.outcome(),
                true,
                run.compensations(),
                run.failure(),
                run.compensationFailure(),
                run.reruns(),
                run.runningSince(),
                run.compensationAttempts());
    }

    /** The status in which attempts of this kind are current: tasks run, compensations compensate. */
    private static WorkflowStatus activeStatus(TaskKind kind) {
        return kind == TaskKind.TASK ? WorkflowStatus.RUNNING : WorkflowStatus.COMPENSATING;
    }

    /**
     * The task's (or its compensation's) state if the event is about its current attempt and the
     * run is in the status where such attempts count.
     */
    private static @Nullable TaskState currentAttempt(WorkflowRun run, TaskId taskId, int attempt, TaskKind kind) {
        if (run.status() != activeStatus(kind)) {
            return null;
        }
        TaskState task = kind == TaskKind.TASK
                ? run.tasks().get(taskId)
                : run.compensations().get(taskId);
        if (task == null || task.attempt() != attempt || attempt < 1) {
            return null;
        }
        return task;
    }

    private static String typeOf(TaskDefinition definition, TaskKind kind) {
        return kind == TaskKind.TASK
                ? definition.type()
                : compensationOf(definition).type();
    }

    private static Compensation compensationOf(TaskDefinition definition) {
        return Objects.requireNonNull(definition.compensation(), () -> "task '" + definition.id() + "' compensation");
    }

    private static String prefix(TaskKind kind) {
        return kind == TaskKind.TASK ? "" : "compensation/";
    }

    private static TimerKey scheduleToStartKey(WorkflowId workflowId, TaskKind kind, TaskId taskId, int attempt) {
        return new TimerKey(workflowId, prefix(kind) + "schedule-to-start/" + taskId.value() + "/" + attempt);
    }

    private static TimerKey startToCloseKey(WorkflowId workflowId, TaskKind kind, TaskId taskId, int attempt) {
        return new TimerKey(workflowId, prefix(kind) + "start-to-close/" + taskId.value() + "/" + attempt);
    }

    private static TimerKey retryKey(WorkflowId workflowId, TaskKind kind, TaskId taskId, int attempt) {
        return new TimerKey(workflowId, prefix(kind) + "retry/" + taskId.value() + "/" + attempt);
    }

    private static TimerKey deadlineKey(WorkflowId workflowId, int reruns) {
        return new TimerKey(workflowId, "deadline/" + reruns);
    }

    private static ScheduleTimer scheduleToStartTimer(
            WorkflowId workflowId, TaskKind kind, TaskId taskId, int attempt, Instant at) {
        return new ScheduleTimer(
                scheduleToStartKey(workflowId, kind, taskId, attempt),
                at,
                new TaskTimedOut(workflowId, taskId, attempt, kind, TimeoutKind.SCHEDULE_TO_START, at));
    }

    private static ScheduleTimer startToCloseTimer(
            WorkflowId workflowId, TaskKind kind, TaskId taskId, int attempt, Instant at) {
        return new ScheduleTimer(
                startToCloseKey(workflowId, kind, taskId, attempt),
                at,
                new TaskTimedOut(workflowId, taskId, attempt, kind, TimeoutKind.START_TO_CLOSE, at));
    }

    private static ScheduleTimer retryTimer(
            WorkflowId workflowId, TaskKind kind, TaskId taskId, int attempt, Instant at) {
        return new ScheduleTimer(
                retryKey(workflowId, kind, taskId, attempt),
                at,
                new TaskRetryDue(workflowId, taskId, attempt, kind, at));
    }

    private static ScheduleTimer deadlineTimer(WorkflowId workflowId, int reruns, Instant deadline) {
        return new ScheduleTimer(
                deadlineKey(workflowId, reruns), deadline, new WorkflowTimedOut(workflowId, deadline, deadline));
    }

    /**
     * One application in progress: copies the task and compensation maps on first write, collects
     * the attempts released (emitted as one {@code Dispatch}), cancellations, timers, and events to
     * emit.
     */
    private final class Step {

        private final WorkflowRun run;
        private @Nullable Map<TaskId, TaskState> tasks;
        private @Nullable Map<TaskId, TaskState> compensations;
        private WorkflowStatus status;
        private @Nullable WorkflowEvent outcome;
        private boolean outcomeLogged;
        private @Nullable Failure failure;
        private @Nullable Failure compensationFailure;
        private int reruns;
        private Instant runningSince;
        private Map<TaskId, Integer> compensationAttempts;
        /** Whether the current run's deadline timer is armed (and must be disarmed on leaving). */
        private boolean deadlineArmed;

        private final List<DispatchedTask> released = new ArrayList<>();
        private final List<TaskDispatch> commands = new ArrayList<>();
        private @Nullable Instant releasedAt;
        private final List<Decision> cancels = new ArrayList<>();
        private final List<Decision> timers = new ArrayList<>();
        private final List<Decision> leading = new ArrayList<>();
        private final List<Decision> emits = new ArrayList<>();

        Step(WorkflowRun run) {
            this.run = run;
            this.status = run.status();
            this.outcome = run.outcome();
            this.outcomeLogged = run.outcomeLogged();
            this.failure = run.failure();
            this.compensationFailure = run.compensationFailure();
            this.reruns = run.reruns();
            this.runningSince = run.runningSince();
            this.compensationAttempts = run.compensationAttempts();
            this.deadlineArmed = run.status() == WorkflowStatus.RUNNING && run.deadline() != null;
        }

        Map<TaskId, TaskState> slots(TaskKind kind) {
            if (kind == TaskKind.TASK) {
                return tasks == null ? run.tasks() : tasks;
            }
            return compensations == null ? run.compensations() : compensations;
        }

        TaskState task(TaskId id) {
            return state(TaskKind.TASK, id);
        }

        TaskState state(TaskKind kind, TaskId id) {
            return Objects.requireNonNull(slots(kind).get(id), id.value());
        }

        void put(TaskKind kind, TaskId id, TaskState state) {
            if (kind == TaskKind.TASK) {
                if (tasks == null) {
                    tasks = new LinkedHashMap<>(run.tasks());
                }
                tasks.put(id, state);
            } else {
                if (compensations == null) {
                    compensations = new LinkedHashMap<>(run.compensations());
                }
                compensations.put(id, state);
            }
        }

        EffectivePolicy policy(TaskKind kind, TaskDefinition definition) {
            return kind == TaskKind.TASK
                    ? EffectivePolicy.of(run.dag().definition(), definition, retryDefaults)
                    : EffectivePolicy.ofCompensation(run.dag().definition(), definition, retryDefaults);
        }

        boolean dependenciesSucceeded(TaskId id) {
            for (TaskId dependency : run.dag().task(id).dependencies()) {
                if (task(dependency).status() != TaskStatus.SUCCEEDED) {
                    return false;
                }
            }
            return true;
        }

        /** Releases every waiting task whose dependencies all succeeded (acceptance, rerun). */
        void releaseReady(Instant at) {
            for (TaskId id : run.dag().tasks().keySet()) {
                TaskState state = task(id);
                if (state.status() == TaskStatus.WAITING && dependenciesSucceeded(id)) {
                    release(TaskKind.TASK, id, state.attempt() + 1, at);
                }
            }
        }

        /**
         * Releases every waiting compensation whose compensated downstream tasks' compensations
         * have all ended; none once a compensation failed for good.
         */
        void releaseCompensations(Instant at) {
            if (compensationFailure != null) {
                return;
            }
            Map<TaskId, TaskState> current = slots(TaskKind.COMPENSATION);
            for (TaskId id : List.copyOf(current.keySet())) {
                TaskState state = state(TaskKind.COMPENSATION, id);
                if (state.status() != TaskStatus.WAITING) {
                    continue;
                }
                boolean downstreamEnded = run.dag().downstream(id).stream()
                        .map(current::get)
                        .allMatch(other -> other == null || other.status().isFinal());
                if (downstreamEnded) {
                    release(TaskKind.COMPENSATION, id, state.attempt() + 1, at);
                }
            }
        }

        /** Releases one attempt at {@code at}: state DISPATCHED, a dispatch entry, its timers. */
        void release(TaskKind kind, TaskId id, int attempt, Instant at) {
            TaskDefinition definition = run.dag().task(id);
            EffectivePolicy policy = policy(kind, definition);
            Instant startBy = policy.scheduleToStart() == null ? null : at.plus(policy.scheduleToStart());
            Instant deadline = null;
            if (policy.startToClose() != null) {
                deadline = (startBy == null ? at : startBy).plus(policy.startToClose());
            }
            put(kind, id, state(kind, id).dispatched(attempt, startBy, deadline));
            released.add(new DispatchedTask(id, typeOf(definition, kind), attempt, kind, deadline));
            commands.add(command(kind, definition, attempt, deadline));
            releasedAt = at;
            if (startBy != null) {
                timers.add(scheduleToStartTimer(run.id(), kind, id, attempt, startBy));
            }
            if (deadline != null) {
                timers.add(startToCloseTimer(run.id(), kind, id, attempt, deadline));
            }
        }

        TaskDispatch command(TaskKind kind, TaskDefinition definition, int attempt, @Nullable Instant deadline) {
            Map<TaskId, JsonNode> upstream = new LinkedHashMap<>();
            for (TaskId dependency : definition.dependencies()) {
                JsonNode output = task(dependency).output();
                upstream.put(dependency, output == null ? NullNode.getInstance() : output);
            }
            String key = TaskDispatch.idempotencyKey(run.id(), definition.id(), kind, attempt);
            if (kind == TaskKind.TASK) {
                return new TaskDispatch(
                        run.id(),
                        definition.id(),
                        attempt,
                        kind,
                        definition.type(),
                        definition.input(),
                        upstream,
                        deadline,
                        key);
            }
            Compensation compensation = compensationOf(definition);
            return new TaskDispatch(
                    run.id(),
                    definition.id(),
                    attempt,
                    kind,
                    compensation.type(),
                    compensation.input(),
                    upstream,
                    deadline,
                    key,
                    new CompensatedTask(
                            definition.input(), task(definition.id()).output()));
        }

        /** Disarms whatever timers the current attempt of a task or compensation has armed. */
        void cancelTimersOf(TaskKind kind, TaskId id, TaskState state) {
            if (state.startBy() != null) {
                timers.add(new CancelTimer(scheduleToStartKey(run.id(), kind, id, state.attempt())));
            }
            if (state.deadline() != null) {
                timers.add(new CancelTimer(startToCloseKey(run.id(), kind, id, state.attempt())));
            }
            if (state.status() == TaskStatus.RETRY_WAIT && state.retryAt() != null) {
                timers.add(new CancelTimer(retryKey(run.id(), kind, id, state.attempt() + 1)));
            }
        }

        /** A task failed for good: every waiting task downstream of it will never run. */
        void skipDownstream(TaskId failed) {
            for (TaskId id : run.dag().downstream(failed)) {
                TaskState state = task(id);
                if (state.status() == TaskStatus.WAITING) {
                    put(TaskKind.TASK, id, state.ended(TaskStatus.SKIPPED));
                }
            }
        }

        /** A compensation failed for good: those not released yet are skipped (§5). */
        void skipWaitingCompensations() {
            slots(TaskKind.COMPENSATION).forEach((id, state) -> {
                if (state.status() == TaskStatus.WAITING) {
                    put(TaskKind.COMPENSATION, id, state.ended(TaskStatus.SKIPPED));
                }
            });
        }

        /**
         * Ends the run when nothing is in flight or waiting for a retry any more: succeeded,
         * failing (compensating first if it must), or done compensating.
         */
        void settle(Instant at) {
            if (status == WorkflowStatus.RUNNING) {
                Map<TaskId, TaskState> current = slots(TaskKind.TASK);
                if (current.values().stream().anyMatch(WorkflowStateMachine::busy)) {
                    return;
                }
                if (failure != null) {
                    failRun(at);
                } else if (current.values().stream().allMatch(task -> task.status() == TaskStatus.SUCCEEDED)) {
                    end(WorkflowStatus.SUCCEEDED, new WorkflowSucceeded(run.id(), at), true);
                }
            } else if (status == WorkflowStatus.COMPENSATING) {
                if (slots(TaskKind.COMPENSATION).values().stream()
                        .anyMatch(state -> !state.status().isFinal())) {
                    return;
                }
                Failure cause = Objects.requireNonNull(failure, "failure");
                Failure compensation = compensationFailure;
                WorkflowFailed failed = compensation == null
                        ? new WorkflowFailed(
                                run.id(), cause.task(), cause.reason(), CompensationOutcome.COMPENSATED, at)
                        : new WorkflowFailed(
                                run.id(),
                                cause.task(),
                                cause.reason() + "; " + compensation.reason(),
                                CompensationOutcome.COMPENSATION_FAILED,
                                at);
                end(WorkflowStatus.FAILED, failed, true);
            }
        }

        /**
         * The run fails for {@link #failure}: tasks not released are skipped, then either the
         * compensations of the succeeded tasks that declare one start, or {@code WorkflowFailed}.
         */
        void failRun(Instant at) {
            Failure cause = Objects.requireNonNull(failure, "failure");
            endUnfinishedTasks(null, at);
            List<TaskId> succeeded = new ArrayList<>();
            slots(TaskKind.TASK).forEach((id, state) -> {
                if (state.status() == TaskStatus.SUCCEEDED && run.dag().task(id).compensation() != null) {
                    succeeded.add(id);
                }
            });
            if (succeeded.isEmpty()) {
                end(
                        WorkflowStatus.FAILED,
                        new WorkflowFailed(run.id(), cause.task(), cause.reason(), CompensationOutcome.NONE, at),
                        true);
                return;
            }
            disarmDeadline();
            List<TaskId> order = run.dag().reverseTopological(succeeded);
            compensations = new LinkedHashMap<>();
            for (TaskId id : order) {
                compensations.put(id, TaskState.waiting(compensationAttempts.getOrDefault(id, 0)));
            }
            status = WorkflowStatus.COMPENSATING;
            outcome = new WorkflowCompensating(run.id(), cause.task(), cause.reason(), order, at);
            outcomeLogged = false;
            leading.add(new Emit(outcome));
            releaseCompensations(at);
        }

        /**
         * Tasks not released become SKIPPED, retry waits and attempts in flight CANCELLED; each
         * attempt in flight gets a {@code TaskCancel} when a reason is given.
         */
        void endUnfinishedTasks(@Nullable String cancelReason, Instant at) {
            Map<TaskId, TaskState> current = new LinkedHashMap<>(slots(TaskKind.TASK));
            current.forEach((id, state) -> {
                if (state.status() == TaskStatus.WAITING) {
                    put(TaskKind.TASK, id, state.ended(TaskStatus.SKIPPED));
                } else if (!state.status().isFinal()) {
                    cancelTimersOf(TaskKind.TASK, id, state);
                    if (cancelReason != null && state.status().isInFlight()) {
                        cancels.add(new CancelAttempt(
                                new TaskCancel(run.id(), id, state.attempt(), TaskKind.TASK, cancelReason, at)));
                    }
                    put(TaskKind.TASK, id, state.ended(TaskStatus.CANCELLED));
                }
            });
        }

        void armDeadline() {
            Instant deadline = WorkflowRun.deadline(run.dag(), runningSince);
            if (status == WorkflowStatus.RUNNING && deadline != null) {
                timers.add(deadlineTimer(run.id(), reruns, deadline));
                deadlineArmed = true;
            }
        }

        void disarmDeadline() {
            if (deadlineArmed) {
                timers.add(new CancelTimer(deadlineKey(run.id(), reruns)));
                deadlineArmed = false;
            }
        }

        void end(WorkflowStatus finalStatus, WorkflowEvent event, boolean emit) {
            disarmDeadline();
            status = finalStatus;
            outcome = event;
            outcomeLogged = false;
            if (emit) {
                emits.add(new Emit(event));
            }
        }

        Transition finish() {
            List<Decision> decisions = new ArrayList<>(cancels);
            decisions.addAll(leading);
            if (!released.isEmpty()) {
                decisions.add(new Dispatch(
                        new TasksDispatched(run.id(), released, Objects.requireNonNull(releasedAt)), commands));
            }
            decisions.addAll(timers);
            decisions.addAll(emits);
            boolean changed = tasks != null
                    || compensations != null
                    || status != run.status()
                    || outcome != run.outcome()
                    || outcomeLogged != run.outcomeLogged()
                    || failure != run.failure()
                    || compensationFailure != run.compensationFailure()
                    || reruns != run.reruns()
                    || runningSince != run.runningSince()
                    || compensationAttempts != run.compensationAttempts();
            WorkflowRun next = changed
                    ? new WorkflowRun(
                            run.id(),
                            run.dag(),
                            run.acceptedAt(),
                            status,
                            tasks == null ? run.tasks() : tasks,
                            outcome,
                            outcomeLogged,
                            compensations == null ? run.compensations() : compensations,
                            failure,
                            compensationFailure,
                            reruns,
                            runningSince,
                            compensationAttempts)
                    : run;
            return new Transition(next, decisions);
        }
    }

    /** Whether an attempt of the task is out or due again, so the run cannot end yet. */
    private static boolean busy(TaskState state) {
        return state.status().isInFlight() || state.status() == TaskStatus.RETRY_WAIT;
    }
}
