package dev.tributary.scheduler.dag;

import static dev.tributary.scheduler.dag.Workflows.T0;
import static dev.tributary.scheduler.dag.Workflows.accepted;
import static dev.tributary.scheduler.dag.Workflows.dag;
import static dev.tributary.scheduler.dag.Workflows.definition;
import static dev.tributary.scheduler.dag.Workflows.failed;
import static dev.tributary.scheduler.dag.Workflows.json;
import static dev.tributary.scheduler.dag.Workflows.onlyRelease;
import static dev.tributary.scheduler.dag.Workflows.retry;
import static dev.tributary.scheduler.dag.Workflows.started;
import static dev.tributary.scheduler.dag.Workflows.succeeded;
import static dev.tributary.scheduler.dag.Workflows.task;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.definition.TaskDefaults;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.TaskTimeout;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.CompensationOutcome;
import dev.tributary.events.history.WorkflowEvent.DispatchedTask;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskRetryDue;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.TaskTimedOut;
import dev.tributary.events.history.WorkflowEvent.TimeoutKind;
import dev.tributary.events.history.WorkflowEvent.WorkflowCancelRequested;
import dev.tributary.events.history.WorkflowEvent.WorkflowCancelled;
import dev.tributary.events.history.WorkflowEvent.WorkflowFailed;
import dev.tributary.events.history.WorkflowEvent.WorkflowSucceeded;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
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
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.NullNode;

class WorkflowStateMachineTests {

    private static final WorkflowId WF = WorkflowId.of("wf-1");

    private final WorkflowStateMachine machine = new WorkflowStateMachine();

    private @Nullable WorkflowRun run;

    @Test
    void acceptanceCreatesTheRunAndReleasesOnlyTheRootTasksInOneDispatch() {
        List<Decision> decisions = apply(accepted(WF, dag("a", "b", "c:a,b")));

        assertThat(run().status()).isEqualTo(WorkflowStatus.RUNNING);
        assertThat(decisions).hasSize(1);
        Dispatch dispatch = (Dispatch) decisions.getFirst();
        assertThat(dispatch.event().workflowId()).isEqualTo(WF);
        assertThat(dispatch.event().dispatchedAt()).isEqualTo(T0);
        assertThat(dispatch.event().tasks())
                .containsExactly(
                        new DispatchedTask(TaskId.of("a"), "noop", 1, TaskKind.TASK, null),
                        new DispatchedTask(TaskId.of("b"), "noop", 1, TaskKind.TASK, null));
        assertThat(dispatch.commands())
                .containsExactly(
                        new TaskDispatch(
                                WF,
                                TaskId.of("a"),
                                1,
                                TaskKind.TASK,
                                "noop",
                                json("{\"task\":\"a\"}"),
                                Map.of(),
                                null,
                                "wf-1/a/1"),
                        new TaskDispatch(
                                WF,
                                TaskId.of("b"),
                                1,
                                TaskKind.TASK,
                                "noop",
                                json("{\"task\":\"b\"}"),
                                Map.of(),
                                null,
                                "wf-1/b/1"));
        assertThat(statusOf("a")).isEqualTo(TaskStatus.DISPATCHED);
        assertThat(run().task(TaskId.of("a")).attempt()).isEqualTo(1);
        assertThat(statusOf("c")).isEqualTo(TaskStatus.WAITING);
    }

    @Test
    void diamondReleasesTheJoinOnlyAfterBothBranchesSucceed() {
        apply(accepted(WF, dag("a", "b:a", "c:a", "d:b,c")));

        assertThat(released(apply(succeeded(WF, "a", 1, T0.plusSeconds(1))))).containsExactly("b", "c");
        assertThat(apply(succeeded(WF, "c", 1, T0.plusSeconds(2)))).isEmpty();
        assertThat(statusOf("d")).isEqualTo(TaskStatus.WAITING);
        assertThat(released(apply(succeeded(WF, "b", 1, T0.plusSeconds(3))))).containsExactly("d");
        List<Decision> last = apply(succeeded(WF, "d", 1, T0.plusSeconds(4)));

        assertThat(last).containsExactly(new Emit(new WorkflowSucceeded(WF, T0.plusSeconds(4))));
        assertThat(run().status()).isEqualTo(WorkflowStatus.SUCCEEDED);
    }

    @Test
    void chainReleasesOneTaskAtATimeInOrder() {
        String[] specs = IntStream.range(0, 20)
                .mapToObj(i -> i == 0 ? "t0" : "t" + i + ":t" + (i - 1))
                .toArray(String[]::new);
        assertThat(released(apply(accepted(WF, dag(specs))))).containsExactly("t0");

        for (int i = 0; i < 19; i++) {
            assertThat(released(apply(succeeded(WF, "t" + i, 1, T0.plusSeconds(i)))))
                    .containsExactly("t" + (i + 1));
            assertThat(run().tasks().values().stream()
                            .filter(t -> t.status() == TaskStatus.DISPATCHED)
                            .count())
                    .isEqualTo(1);
        }
        assertThat(apply(succeeded(WF, "t19", 1, T0.plusSeconds(19))))
                .containsExactly(new Emit(new WorkflowSucceeded(WF, T0.plusSeconds(19))));
    }

    @Test
    void fanOutReleasesAllBranchesTogetherAndFanInWaitsForTheLast() {
        List<String> specs = new ArrayList<>(List.of("root"));
        List<String> branches = IntStream.range(0, 100).mapToObj(i -> "b" + i).toList();
        branches.forEach(b -> specs.add(b + ":root"));
        specs.add("join:" + String.join(",", branches));
        apply(accepted(WF, dag(specs.toArray(String[]::new))));

        List<Decision> fanOut = apply(succeeded(WF, "root", 1, T0.plusSeconds(1)));

        assertThat(fanOut).hasSize(1);
        assertThat(released(fanOut)).containsExactlyElementsOf(branches);
        for (int i = 99; i > 0; i--) {
            assertThat(apply(succeeded(WF, "b" + i, 1, T0.plusSeconds(2)))).isEmpty();
        }
        assertThat(released(apply(succeeded(WF, "b0", 1, T0.plusSeconds(3))))).containsExactly("join");
    }

    @Test
    void outputsOfDirectUpstreamTasksFlowIntoTheDispatchKeyedByTaskId() {
        apply(accepted(WF, dag("a", "b", "c:a,b", "d:c")));
        apply(succeeded(WF, "a", 1, T0));

        TaskDispatch releaseOfC =
                dispatch(apply(new TaskSucceeded(WF, TaskId.of("b"), 1, TaskKind.TASK, null, "w", T0)));

        assertThat(releaseOfC.taskId()).isEqualTo(TaskId.of("c"));
        assertThat(releaseOfC.input()).isEqualTo(json("{\"task\":\"c\"}"));
        assertThat(releaseOfC.upstreamOutputs())
                .containsExactly(
                        Map.entry(TaskId.of("a"), json("{\"from\":\"a\"}")),
                        Map.entry(TaskId.of("b"), NullNode.getInstance()));
        TaskDispatch releaseOfD = dispatch(apply(succeeded(WF, "c", 1, T0)));
        assertThat(releaseOfD.upstreamOutputs()).containsExactly(Map.entry(TaskId.of("c"), json("{\"from\":\"c\"}")));
        assertThat(run().task(TaskId.of("a")).output()).isEqualTo(json("{\"from\":\"a\"}"));
    }

    @Test
    void deadlineCountsFromTheReleasingEventsTimeAndArmsATimeoutTimer() {
        TaskDefinition timed = task("b:a", null, new TaskTimeout(Duration.ofMinutes(5), null));
        apply(accepted(WF, definition(List.of(task("a", null, null), timed), null)));

        Instant finished = T0.plusSeconds(42);
        List<Decision> decisions = apply(succeeded(WF, "a", 1, finished));

        Instant deadline = finished.plus(Duration.ofMinutes(5));
        Dispatch dispatch = (Dispatch) decisions.getFirst();
        assertThat(dispatch.event().tasks().getFirst().deadline()).isEqualTo(deadline);
        assertThat(dispatch.commands().getFirst().deadline()).isEqualTo(deadline);
        assertThat(decisions)
                .contains(new ScheduleTimer(
                        new TimerKey(WF, "start-to-close/b/1"),
                        deadline,
                        new TaskTimedOut(WF, TaskId.of("b"), 1, TaskKind.TASK, TimeoutKind.START_TO_CLOSE, deadline)));

        assertThat(apply(succeeded(WF, "b", 1, finished.plusSeconds(1))))
                .contains(new CancelTimer(new TimerKey(WF, "start-to-close/b/1")));
    }

    @Test
    void redeliveredWorkflowAcceptedChangesNothing() {
        apply(accepted(WF, dag("a", "b:a")));
        apply(succeeded(WF, "a", 1, T0));
        WorkflowRun before = run();

        assertThat(apply(accepted(WF, dag("a", "b:a")))).isEmpty();
        assertThat(apply(accepted(WF, dag("x")))).isEmpty();
        assertThat(run()).isSameAs(before);
    }

    @Test
    void duplicateTaskSucceededReleasesNothingTwice() {
        apply(accepted(WF, dag("a", "b:a", "c:b")));
        assertThat(released(apply(succeeded(WF, "a", 1, T0)))).containsExactly("b");
        WorkflowRun before = run();

        assertThat(apply(succeeded(WF, "a", 1, T0.plusSeconds(5)))).isEmpty();
        assertThat(apply(started(WF, "a", 1, T0))).isEmpty();
        assertThat(run()).isSameAs(before);
    }

    @Test
    void resultsOfAStaleAttemptAreIgnored() {
        WorkflowDefinition definition =
                definition(List.of(task("a", retry(3, Duration.ZERO, List.of()), null), task("b:a", null, null)), null);
        apply(accepted(WF, definition));
        List<Decision> retried = apply(failed(WF, "a", 1, "HTTP_503", true, T0.plusSeconds(1)));
        assertThat(((Dispatch) retried.getFirst()).commands().getFirst().idempotencyKey())
                .isEqualTo("wf-1/a/2");
        WorkflowRun before = run();

        assertThat(apply(succeeded(WF, "a", 1, T0.plusSeconds(2)))).isEmpty();
        assertThat(apply(started(WF, "a", 1, T0.plusSeconds(2)))).isEmpty();
        assertThat(apply(failed(WF, "a", 1, "X", true, T0.plusSeconds(2)))).isEmpty();
        assertThat(run()).isSameAs(before);
        assertThat(released(apply(succeeded(WF, "a", 2, T0.plusSeconds(3))))).containsExactly("b");
    }

    @Test
    void resultsForFinalTasksAndEndedWorkflowsAreIgnored() {
        apply(accepted(WF, dag("a")));
        apply(succeeded(WF, "a", 1, T0));
        WorkflowRun done = run();

        assertThat(apply(failed(WF, "a", 1, "LATE", false, T0))).isEmpty();
        assertThat(apply(succeeded(WF, "a", 1, T0))).isEmpty();
        assertThat(apply(new WorkflowCancelRequested(WF, "too late", T0))).isEmpty();
        assertThat(run()).isSameAs(done);
    }

    @Test
    void workflowSucceedsExactlyOnceAndItsReturningEventOnlyMarksItLogged() {
        apply(accepted(WF, dag("a", "b")));
        apply(succeeded(WF, "a", 1, T0));
        List<Decision> last = apply(succeeded(WF, "b", 1, T0.plusSeconds(1)));
        assertThat(last).containsExactly(new Emit(new WorkflowSucceeded(WF, T0.plusSeconds(1))));
        assertThat(run().outcomeLogged()).isFalse();

        assertThat(apply(succeeded(WF, "b", 1, T0.plusSeconds(1)))).isEmpty();
        assertThat(apply(new WorkflowSucceeded(WF, T0.plusSeconds(1)))).isEmpty();

        assertThat(run().outcomeLogged()).isTrue();
        assertThat(run().status()).isEqualTo(WorkflowStatus.SUCCEEDED);
        assertThat(apply(new WorkflowSucceeded(WF, T0.plusSeconds(1)))).isEmpty();
    }

    @Test
    void ownTasksDispatchedComingBackOnlyMarksTheAttemptsLogged() {
        Dispatch dispatch = (Dispatch) apply(accepted(WF, dag("a", "b", "c:a"))).getFirst();
        WorkflowRun decided = run();
        assertThat(decided.task(TaskId.of("a")).dispatchLogged()).isFalse();

        assertThat(apply(dispatch.event())).isEmpty();

        assertThat(run().task(TaskId.of("a")).dispatchLogged()).isTrue();
        assertThat(run().task(TaskId.of("b")).dispatchLogged()).isTrue();
        assertThat(run().task(TaskId.of("a")).status()).isEqualTo(TaskStatus.DISPATCHED);
        assertThat(run().tasks().keySet())
                .containsExactlyElementsOf(decided.tasks().keySet());
        WorkflowRun logged = run();
        assertThat(apply(dispatch.event())).isEmpty();
        assertThat(run()).isSameAs(logged);
    }

    @Test
    void eventsForUnknownWorkflowsAreIgnored() {
        assertThat(machine.apply(null, succeeded(WF, "a", 1, T0))).isEqualTo(Transition.unchanged(null));
        assertThat(machine.apply(null, new WorkflowSucceeded(WF, T0))).isEqualTo(Transition.unchanged(null));
        assertThat(machine.apply(null, new WorkflowCancelRequested(WF, null, T0)))
                .isEqualTo(Transition.unchanged(null));
    }

    @Test
    void taskStartedMovesOnlyTheCurrentAttemptToRunning() {
        apply(accepted(WF, dag("a")));
        assertThat(apply(started(WF, "a", 2, T0))).isEmpty();
        assertThat(statusOf("a")).isEqualTo(TaskStatus.DISPATCHED);
        assertThat(apply(started(WF, "b", 1, T0))).isEmpty();

        assertThat(apply(started(WF, "a", 1, T0))).isEmpty();

        assertThat(statusOf("a")).isEqualTo(TaskStatus.RUNNING);
    }

    @Test
    void permanentFailureSkipsDownstreamAndFailsTheWorkflowOnceNothingIsInFlight() {
        apply(accepted(WF, dag("a", "b", "c:a", "d:c")));
        apply(started(WF, "b", 1, T0));

        assertThat(apply(failed(WF, "a", 1, "HTTP_404", false, T0.plusSeconds(9))))
                .isEmpty();

        assertThat(run().status()).isEqualTo(WorkflowStatus.RUNNING);
        assertThat(statusOf("a")).isEqualTo(TaskStatus.FAILED);
        assertThat(run().task(TaskId.of("a")).lastError()).isEqualTo(new TaskError("HTTP_404", "boom"));
        assertThat(statusOf("b")).isEqualTo(TaskStatus.RUNNING);
        assertThat(statusOf("c")).isEqualTo(TaskStatus.SKIPPED);
        assertThat(statusOf("d")).isEqualTo(TaskStatus.SKIPPED);

        assertThat(apply(succeeded(WF, "b", 1, T0.plusSeconds(10))))
                .containsExactly(new Emit(new WorkflowFailed(
                        WF,
                        TaskId.of("a"),
                        "task 'a' failed: HTTP_404: boom",
                        CompensationOutcome.NONE,
                        T0.plusSeconds(10))));
        assertThat(run().status()).isEqualTo(WorkflowStatus.FAILED);
        assertThat(statusOf("b")).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(apply(succeeded(WF, "b", 1, T0.plusSeconds(11)))).isEmpty();
    }

    @Test
    void retryableFailureWaitsForARetryTimerThenReleasesTheNextAttempt() {
        WorkflowDefinition definition =
                definition(List.of(task("a", retry(3, Duration.ofSeconds(10), List.of()), null)), null);
        apply(accepted(WF, definition));
        Instant failedAt = T0.plusSeconds(1);

        List<Decision> decisions = apply(failed(WF, "a", 1, "HTTP_503", true, failedAt));

        Instant due = failedAt.plusSeconds(10);
        assertThat(decisions)
                .containsExactly(new ScheduleTimer(
                        new TimerKey(WF, "retry/a/2"),
                        due,
                        new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.TASK, due)));
        assertThat(statusOf("a")).isEqualTo(TaskStatus.RETRY_WAIT);
        assertThat(run().task(TaskId.of("a")).retryAt()).isEqualTo(due);

        List<Decision> retry = apply(new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.TASK, due));
        assertThat(released(retry)).containsExactly("a");
        assertThat(((Dispatch) retry.getFirst()).event().tasks().getFirst().attempt())
                .isEqualTo(2);
        assertThat(apply(new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.TASK, due)))
                .isEmpty();

        // second failure: backoff doubles
        List<Decision> second = apply(failed(WF, "a", 2, "HTTP_503", true, due.plusSeconds(1)));
        assertThat(((ScheduleTimer) second.getFirst()).dueAt()).isEqualTo(due.plusSeconds(1 + 20));
        apply(new TaskRetryDue(WF, TaskId.of("a"), 3, TaskKind.TASK, due.plusSeconds(21)));

        // attempts exhausted
        List<Decision> last = apply(failed(WF, "a", 3, "HTTP_503", true, due.plusSeconds(30)));
        assertThat(last)
                .singleElement()
                .isInstanceOfSatisfying(
                        Emit.class,
                        emit -> assertThat(emit.event())
                                .isInstanceOfSatisfying(
                                        WorkflowFailed.class,
                                        f -> assertThat(f.reason())
                                                .isEqualTo("task 'a' failed after 3 attempts: HTTP_503: boom")));
    }

    @Test
    void noRetriesByDefaultAndNonRetryableCodesFailAtOnce() {
        apply(accepted(WF, dag("a")));
        assertThat(apply(failed(WF, "a", 1, "HTTP_503", true, T0)))
                .singleElement()
                .isInstanceOf(Emit.class);

        run = null;
        TaskDefaults defaults = new TaskDefaults(retry(5, Duration.ofSeconds(1), List.of("BAD_INPUT")), null);
        apply(accepted(WF, definition(List.of(task("a", null, null)), defaults)));
        assertThat(apply(failed(WF, "a", 1, "BAD_INPUT", true, T0)))
                .singleElement()
                .isInstanceOf(Emit.class);
        assertThat(run().status()).isEqualTo(WorkflowStatus.FAILED);
    }

    @Test
    void timedOutAttemptIsRetriedAndItsLateResultIgnored() {
        TaskDefinition timed =
                task("a", retry(2, Duration.ZERO, List.of()), new TaskTimeout(Duration.ofSeconds(30), null));
        apply(accepted(WF, definition(List.of(timed), null)));
        Instant deadline = T0.plusSeconds(30);
        apply(started(WF, "a", 1, T0.plusSeconds(1)));

        List<Decision> decisions =
                apply(new TaskTimedOut(WF, TaskId.of("a"), 1, TaskKind.TASK, TimeoutKind.START_TO_CLOSE, deadline));

        assertThat(released(decisions)).containsExactly("a");
        assertThat(run().task(TaskId.of("a")).attempt()).isEqualTo(2);
        assertThat(run().task(TaskId.of("a")).lastError().code()).isEqualTo(WorkflowStateMachine.TIMEOUT);
        assertThat(apply(succeeded(WF, "a", 1, deadline.plusSeconds(1)))).isEmpty();
        assertThat(apply(succeeded(WF, "a", 2, deadline.plusSeconds(2))))
                .contains(new Emit(new WorkflowSucceeded(WF, deadline.plusSeconds(2))));
    }

    @Test
    void scheduleToStartTimerIsDisarmedWhenTheAttemptStarts() {
        TaskDefinition timed = task("a", null, new TaskTimeout(Duration.ofMinutes(1), Duration.ofSeconds(10)));
        List<Decision> decisions = apply(accepted(WF, definition(List.of(timed), null)));
        assertThat(decisions)
                .contains(new ScheduleTimer(
                        new TimerKey(WF, "schedule-to-start/a/1"),
                        T0.plusSeconds(10),
                        new TaskTimedOut(
                                WF,
                                TaskId.of("a"),
                                1,
                                TaskKind.TASK,
                                TimeoutKind.SCHEDULE_TO_START,
                                T0.plusSeconds(10))));
        assertThat(((Dispatch) decisions.getFirst()).event().tasks().getFirst().deadline())
                .isEqualTo(T0.plusSeconds(70));

        assertThat(apply(started(WF, "a", 1, T0.plusSeconds(3))))
                .containsExactly(new CancelTimer(new TimerKey(WF, "schedule-to-start/a/1")));
        assertThat(apply(new TaskTimedOut(
                        WF, TaskId.of("a"), 1, TaskKind.TASK, TimeoutKind.SCHEDULE_TO_START, T0.plusSeconds(10))))
                .isEmpty();
    }

    @Test
    void cancelRequestEndsTheRunOnce() {
        apply(accepted(WF, dag("a", "b:a")));

        List<Decision> decisions = apply(new WorkflowCancelRequested(WF, "user", T0.plusSeconds(1)));

        assertThat(decisions)
                .containsExactly(
                        new CancelAttempt(new TaskCancel(
                                WF, TaskId.of("a"), 1, TaskKind.TASK, "workflow cancelled: user", T0.plusSeconds(1))),
                        new Emit(new WorkflowCancelled(WF, "user", T0.plusSeconds(1))));
        assertThat(statusOf("a")).isEqualTo(TaskStatus.CANCELLED);
        assertThat(statusOf("b")).isEqualTo(TaskStatus.SKIPPED);
        assertThat(apply(new WorkflowCancelRequested(WF, "again", T0.plusSeconds(2))))
                .isEmpty();
    }

    @Test
    void invalidDefinitionFailsTheWorkflowWithoutReleasingAnything() {
        List<Decision> decisions = apply(accepted(WF, dag("a:c", "b:a", "c:b")));

        assertThat(decisions)
                .singleElement()
                .isInstanceOfSatisfying(
                        Emit.class,
                        emit -> assertThat(emit.event())
                                .isInstanceOfSatisfying(
                                        WorkflowFailed.class,
                                        f -> assertThat(f.reason())
                                                .isEqualTo("invalid definition: dependency cycle a → b → c → a")));
        assertThat(run().status()).isEqualTo(WorkflowStatus.FAILED);
        assertThat(run().tasks().values()).allMatch(t -> t.status() == TaskStatus.SKIPPED);
    }

    @Test
    void tasksDispatchedForAnAttemptThisSchedulerDidNotDecideIsAdopted() {
        apply(accepted(WF, dag("a")));
        apply(new WorkflowEvent.TasksDispatched(
                WF, List.of(new DispatchedTask(TaskId.of("a"), "noop", 2, TaskKind.TASK, null)), T0));

        assertThat(run().task(TaskId.of("a")).attempt()).isEqualTo(2);
        assertThat(apply(succeeded(WF, "a", 1, T0))).isEmpty();
        assertThat(apply(succeeded(WF, "a", 2, T0))).singleElement().isInstanceOf(Emit.class);
    }

    private List<Decision> apply(WorkflowEvent event) {
        Transition transition = machine.apply(run, event);
        run = transition.run();
        return transition.decisions();
    }

    private WorkflowRun run() {
        assertThat(run).isNotNull();
        return run;
    }

    private TaskStatus statusOf(String task) {
        return run().task(TaskId.of(task)).status();
    }

    private static List<String> released(List<Decision> decisions) {
        Dispatch dispatch = onlyRelease(decisions);
        List<String> fromEvent =
                dispatch.event().tasks().stream().map(t -> t.taskId().value()).toList();
        List<String> fromCommands =
                dispatch.commands().stream().map(c -> c.taskId().value()).toList();
        assertThat(fromCommands).isEqualTo(fromEvent);
        return fromEvent;
    }

    private static TaskDispatch dispatch(List<Decision> decisions) {
        List<TaskDispatch> commands = decisions.stream()
                .filter(Dispatch.class::isInstance)
                .map(Dispatch.class::cast)
                .flatMap(d -> d.commands().stream())
                .toList();
        assertThat(commands).hasSize(1);
        return commands.getFirst();
    }
}
