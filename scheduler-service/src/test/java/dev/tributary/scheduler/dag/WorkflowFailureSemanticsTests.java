package dev.tributary.scheduler.dag;

import static dev.tributary.scheduler.dag.Workflows.T0;
import static dev.tributary.scheduler.dag.Workflows.accepted;
import static dev.tributary.scheduler.dag.Workflows.compensated;
import static dev.tributary.scheduler.dag.Workflows.compensationFailed;
import static dev.tributary.scheduler.dag.Workflows.compensationStarted;
import static dev.tributary.scheduler.dag.Workflows.compensationSucceeded;
import static dev.tributary.scheduler.dag.Workflows.dag;
import static dev.tributary.scheduler.dag.Workflows.definition;
import static dev.tributary.scheduler.dag.Workflows.failed;
import static dev.tributary.scheduler.dag.Workflows.json;
import static dev.tributary.scheduler.dag.Workflows.onlyRelease;
import static dev.tributary.scheduler.dag.Workflows.retry;
import static dev.tributary.scheduler.dag.Workflows.started;
import static dev.tributary.scheduler.dag.Workflows.succeeded;
import static dev.tributary.scheduler.dag.Workflows.task;
import static dev.tributary.scheduler.dag.Workflows.withTimeout;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.definition.RetryPolicy;
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
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The rules of docs/failure-semantics.md: failure propagation, the workflow deadline,
 * cancellation, compensation, rerun, and the late, duplicate and stale events around them.
 */
class WorkflowFailureSemanticsTests {

    private static final WorkflowId WF = WorkflowId.of("wf-1");
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private final WorkflowStateMachine machine = new WorkflowStateMachine();

    private @Nullable WorkflowRun run;

    // --- failure propagation (§3) ---

    @Test
    void independentBranchKeepsRunningAndBeingReleasedAfterAFailureAndTheWorkflowFailsWhenItEnds() {
        apply(accepted(WF, dag("a", "b:a", "c:a", "d:b,c", "x", "y:x")));
        apply(succeeded(WF, "a", 1, T0.plusSeconds(1)));

        assertThat(apply(failed(WF, "b", 1, "HTTP_404", false, T0.plusSeconds(2))))
                .isEmpty();
        assertThat(statusOf("b")).isEqualTo(TaskStatus.FAILED);
        assertThat(statusOf("d")).isEqualTo(TaskStatus.SKIPPED);
        assertThat(statusOf("c")).isEqualTo(TaskStatus.DISPATCHED);
        assertThat(run().status()).isEqualTo(WorkflowStatus.RUNNING);

        assertThat(released(apply(succeeded(WF, "x", 1, T0.plusSeconds(3))))).containsExactly("y");
        assertThat(apply(succeeded(WF, "c", 1, T0.plusSeconds(4)))).isEmpty();
        assertThat(statusOf("d")).isEqualTo(TaskStatus.SKIPPED);

        assertThat(apply(succeeded(WF, "y", 1, T0.plusSeconds(5))))
                .containsExactly(new Emit(new WorkflowFailed(
                        WF,
                        TaskId.of("b"),
                        "task 'b' failed: HTTP_404: boom",
                        CompensationOutcome.NONE,
                        T0.plusSeconds(5))));
        assertThat(run().status()).isEqualTo(WorkflowStatus.FAILED);
        assertThat(statusOf("c")).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(statusOf("y")).isEqualTo(TaskStatus.SUCCEEDED);
    }

    @Test
    void workflowFailureNamesTheFirstTaskThatFailedForGoodAndWaitsForRetriesOfOthers() {
        TaskDefinition flaky = task("x", retry(3, Duration.ofSeconds(10), List.of()), null);
        apply(accepted(WF, definition(List.of(task("a", null, null), task("b", null, null), flaky), null)));

        apply(failed(WF, "x", 1, "HTTP_503", true, T0.plusSeconds(1)));
        assertThat(statusOf("x")).isEqualTo(TaskStatus.RETRY_WAIT);
        assertThat(apply(failed(WF, "b", 1, "FIRST", false, T0.plusSeconds(2)))).isEmpty();
        assertThat(apply(failed(WF, "a", 1, "SECOND", false, T0.plusSeconds(3))))
                .isEmpty();

        // the retry wait still counts as work in progress: its next attempt is released
        assertThat(released(apply(new TaskRetryDue(WF, TaskId.of("x"), 2, TaskKind.TASK, T0.plusSeconds(11)))))
                .containsExactly("x");
        List<Decision> last = apply(failed(WF, "x", 2, "HTTP_503", false, T0.plusSeconds(12)));

        assertThat(last)
                .containsExactly(new Emit(new WorkflowFailed(
                        WF,
                        TaskId.of("b"),
                        "task 'b' failed: FIRST: boom",
                        CompensationOutcome.NONE,
                        T0.plusSeconds(12))));
        assertThat(run().failure()).isEqualTo(new Failure(TaskId.of("b"), "task 'b' failed: FIRST: boom"));
    }

    // --- workflow deadline (§2) ---

    @Test
    void deadlineTimerIsArmedAtAcceptanceAndDisarmedWhenTheWorkflowSucceeds() {
        Instant deadline = T0.plus(TIMEOUT);

        List<Decision> decisions = apply(accepted(WF, withTimeout(dag("a"), TIMEOUT)));

        assertThat(decisions)
                .contains(new ScheduleTimer(
                        new TimerKey(WF, "deadline/0"), deadline, new WorkflowTimedOut(WF, deadline, deadline)));
        assertThat(run().deadline()).isEqualTo(deadline);
        assertThat(apply(succeeded(WF, "a", 1, T0.plusSeconds(1))))
                .containsExactly(
                        new CancelTimer(new TimerKey(WF, "deadline/0")),
                        new Emit(new WorkflowSucceeded(WF, T0.plusSeconds(1))));
        assertThat(apply(new WorkflowTimedOut(WF, deadline, deadline))).isEmpty();
    }

    @Test
    void deadlineTimerIsDisarmedWhenTheWorkflowIsCancelledOrFails() {
        apply(accepted(WF, withTimeout(dag("a"), TIMEOUT)));
        assertThat(apply(new WorkflowCancelRequested(WF, null, T0.plusSeconds(1))))
                .contains(new CancelTimer(new TimerKey(WF, "deadline/0")));

        run = null;
        apply(accepted(WF, withTimeout(dag("a"), TIMEOUT)));
        assertThat(apply(failed(WF, "a", 1, "E", false, T0.plusSeconds(1))))
                .containsExactly(
                        new CancelTimer(new TimerKey(WF, "deadline/0")),
                        new Emit(new WorkflowFailed(
                                WF,
                                TaskId.of("a"),
                                "task 'a' failed: E: boom",
                                CompensationOutcome.NONE,
                                T0.plusSeconds(1))));
        assertThat(machine.pending(run(), T0.plusSeconds(2))).noneMatch(ScheduleTimer.class::isInstance);
    }

    @Test
    void deadlineCancelsAttemptsInFlightAndRetryWaitsSkipsWaitingTasksAndFailsTheWorkflow() {
        TaskDefinition flaky = task("b", retry(3, Duration.ofMinutes(1), List.of()), null);
        WorkflowDefinition definition = withTimeout(
                definition(List.of(task("a", null, null), flaky, task("c", null, null), task("d:a", null, null)), null),
                TIMEOUT);
        apply(accepted(WF, definition));
        apply(started(WF, "a", 1, T0.plusSeconds(1)));
        apply(failed(WF, "b", 1, "HTTP_503", true, T0.plusSeconds(2)));
        Instant deadline = T0.plus(TIMEOUT);
        String reason = "workflow deadline 2025-01-01T00:10:00Z exceeded";

        List<Decision> decisions = apply(new WorkflowTimedOut(WF, deadline, deadline.plusMillis(250)));

        assertThat(decisions)
                .containsExactly(
                        new CancelAttempt(
                                new TaskCancel(WF, TaskId.of("a"), 1, TaskKind.TASK, reason, deadline.plusMillis(250))),
                        new CancelAttempt(
                                new TaskCancel(WF, TaskId.of("c"), 1, TaskKind.TASK, reason, deadline.plusMillis(250))),
                        new CancelTimer(new TimerKey(WF, "retry/b/2")),
                        new Emit(new WorkflowFailed(
                                WF, null, reason, CompensationOutcome.NONE, deadline.plusMillis(250))));
        assertThat(statusOf("a")).isEqualTo(TaskStatus.CANCELLED);
        assertThat(statusOf("b")).isEqualTo(TaskStatus.CANCELLED);
        assertThat(statusOf("c")).isEqualTo(TaskStatus.CANCELLED);
        assertThat(statusOf("d")).isEqualTo(TaskStatus.SKIPPED);
        assertThat(run().status()).isEqualTo(WorkflowStatus.FAILED);

        // late results of the cancelled attempts (including the worker's CANCELLED report) are ignored
        WorkflowRun ended = run();
        assertThat(apply(succeeded(WF, "a", 1, deadline.plusSeconds(1)))).isEmpty();
        assertThat(apply(failed(WF, "c", 1, "CANCELLED", false, deadline.plusSeconds(1))))
                .isEmpty();
        assertThat(apply(new TaskRetryDue(WF, TaskId.of("b"), 2, TaskKind.TASK, T0.plusSeconds(62))))
                .isEmpty();
        assertThat(apply(new WorkflowTimedOut(WF, deadline, deadline.plusSeconds(1))))
                .isEmpty();
        assertThat(run()).isSameAs(ended);
    }

    @Test
    void deadlineCompensatesTheSucceededTasksThatDeclareACompensation() {
        WorkflowDefinition definition =
                withTimeout(definition(List.of(compensated("a"), task("b:a", null, null)), null), TIMEOUT);
        apply(accepted(WF, definition));
        apply(succeeded(WF, "a", 1, T0.plusSeconds(1)));
        Instant deadline = T0.plus(TIMEOUT);
        String reason = "workflow deadline 2025-01-01T00:10:00Z exceeded";

        List<Decision> decisions = apply(new WorkflowTimedOut(WF, deadline, deadline));

        assertThat(decisions.get(0))
                .isEqualTo(new CancelAttempt(new TaskCancel(WF, TaskId.of("b"), 1, TaskKind.TASK, reason, deadline)));
        assertThat(decisions.get(1))
                .isEqualTo(new Emit(new WorkflowCompensating(WF, null, reason, List.of(TaskId.of("a")), deadline)));
        assertThat(compensationsReleased(decisions)).containsExactly("a");
        assertThat(run().status()).isEqualTo(WorkflowStatus.COMPENSATING);

        assertThat(apply(compensationSucceeded(WF, "a", 1, deadline.plusSeconds(1))))
                .containsExactly(new Emit(new WorkflowFailed(
                        WF, null, reason, CompensationOutcome.COMPENSATED, deadline.plusSeconds(1))));
    }

    @Test
    void deadlineIsIgnoredWhileCompensating() {
        WorkflowDefinition definition =
                withTimeout(definition(List.of(compensated("a"), task("b:a", null, null)), null), TIMEOUT);
        apply(accepted(WF, definition));
        apply(succeeded(WF, "a", 1, T0.plusSeconds(1)));
        List<Decision> failing = apply(failed(WF, "b", 1, "E", false, T0.plusSeconds(2)));
        assertThat(failing).contains(new CancelTimer(new TimerKey(WF, "deadline/0")));
        WorkflowRun compensating = run();
        Instant deadline = T0.plus(TIMEOUT);

        assertThat(apply(new WorkflowTimedOut(WF, deadline, deadline))).isEmpty();
        assertThat(apply(new WorkflowCancelRequested(WF, "stop", deadline))).isEmpty();

        assertThat(run()).isSameAs(compensating);
        assertThat(apply(compensationSucceeded(WF, "a", 1, deadline.plusSeconds(1))))
                .singleElement()
                .isEqualTo(new Emit(new WorkflowFailed(
                        WF,
                        TaskId.of("b"),
                        "task 'b' failed: E: boom",
                        CompensationOutcome.COMPENSATED,
                        deadline.plusSeconds(1))));
    }

    // --- cancellation (§4) ---

    @Test
    void cancelSendsOneTaskCancelPerAttemptInFlightAndCancelsRetryWaits() {
        TaskDefinition flaky = task("c", retry(2, Duration.ofSeconds(30), List.of()), null);
        apply(accepted(
                WF,
                definition(
                        List.of(task("a", null, null), task("b", null, null), flaky, task("d:a", null, null)), null)));
        apply(started(WF, "b", 1, T0));
        apply(failed(WF, "c", 1, "HTTP_503", true, T0.plusSeconds(1)));
        Instant at = T0.plusSeconds(5);

        List<Decision> decisions = apply(new WorkflowCancelRequested(WF, null, at));

        assertThat(decisions)
                .containsExactly(
                        new CancelAttempt(
                                new TaskCancel(WF, TaskId.of("a"), 1, TaskKind.TASK, "workflow cancelled", at)),
                        new CancelAttempt(
                                new TaskCancel(WF, TaskId.of("b"), 1, TaskKind.TASK, "workflow cancelled", at)),
                        new CancelTimer(new TimerKey(WF, "retry/c/2")),
                        new Emit(new WorkflowCancelled(WF, null, at)));
        assertThat(statusOf("c")).isEqualTo(TaskStatus.CANCELLED);
        assertThat(statusOf("d")).isEqualTo(TaskStatus.SKIPPED);

        WorkflowRun cancelled = run();
        assertThat(apply(succeeded(WF, "a", 1, at.plusSeconds(1)))).isEmpty();
        assertThat(apply(failed(WF, "b", 1, "CANCELLED", false, at.plusSeconds(1))))
                .isEmpty();
        assertThat(apply(new TaskRetryDue(WF, TaskId.of("c"), 2, TaskKind.TASK, T0.plusSeconds(31))))
                .isEmpty();
        assertThat(apply(new WorkflowCancelRequested(WF, "again", at.plusSeconds(2))))
                .isEmpty();
        assertThat(run()).isSameAs(cancelled);
    }

    // --- compensation (§5) ---

    @Test
    void compensationsOfAChainRunOneAtATimeInReverseWithTheTasksInputAndOutput() {
        apply(accepted(
                WF,
                definition(
                        List.of(compensated("a"), task("m:a", null, null), compensated("b:m"), task("d:b", null, null)),
                        null)));
        apply(succeeded(WF, "a", 1, T0.plusSeconds(1)));
        apply(succeeded(WF, "m", 1, T0.plusSeconds(2)));
        apply(succeeded(WF, "b", 1, T0.plusSeconds(3)));
        Instant failedAt = T0.plusSeconds(4);
        String reason = "task 'd' failed: E: boom";

        List<Decision> decisions = apply(failed(WF, "d", 1, "E", false, failedAt));

        assertThat(decisions.getFirst())
                .isEqualTo(new Emit(new WorkflowCompensating(
                        WF, TaskId.of("d"), reason, List.of(TaskId.of("b"), TaskId.of("a")), failedAt)));
        Dispatch dispatch = (Dispatch) decisions.get(1);
        assertThat(decisions).hasSize(2);
        assertThat(dispatch.event().tasks())
                .containsExactly(new DispatchedTask(TaskId.of("b"), "undo", 1, TaskKind.COMPENSATION, null));
        assertThat(dispatch.commands())
                .containsExactly(new TaskDispatch(
                        WF,
                        TaskId.of("b"),
                        1,
                        TaskKind.COMPENSATION,
                        "undo",
                        json("{\"undo\":\"b\"}"),
                        Map.of(TaskId.of("m"), json("{\"from\":\"m\"}")),
                        null,
                        "wf-1/b/compensation/1",
                        new CompensatedTask(json("{\"task\":\"b\"}"), json("{\"from\":\"b\"}"))));
        assertThat(run().status()).isEqualTo(WorkflowStatus.COMPENSATING);
        assertThat(compensationOf("a")).isEqualTo(TaskStatus.WAITING);

        apply(compensationStarted(WF, "b", 1, T0.plusSeconds(5)));
        assertThat(compensationOf("b")).isEqualTo(TaskStatus.RUNNING);
        assertThat(compensationsReleased(apply(compensationSucceeded(WF, "b", 1, T0.plusSeconds(6)))))
                .containsExactly("a");
        assertThat(apply(compensationSucceeded(WF, "a", 1, T0.plusSeconds(7))))
                .containsExactly(new Emit(new WorkflowFailed(
                        WF, TaskId.of("d"), reason, CompensationOutcome.COMPENSATED, T0.plusSeconds(7))));
        assertThat(run().status()).isEqualTo(WorkflowStatus.FAILED);
        assertThat(compensationOf("a")).isEqualTo(TaskStatus.SUCCEEDED);
    }

    @Test
    void compensationsOfADiamondWaitForAllCompensatedDependentsAndRunIndependentOnesInParallel() {
        apply(accepted(WF, diamond()));
        succeedDiamond();

        List<Decision> decisions = apply(failed(WF, "e", 1, "E", false, T0.plusSeconds(5)));

        assertThat(((Emit) decisions.getFirst()).event())
                .isInstanceOfSatisfying(
                        WorkflowCompensating.class,
                        c -> assertThat(c.compensationOrder())
                                .extracting(TaskId::value)
                                .containsExactly("d", "b", "c", "a"));
        assertThat(compensationsReleased(decisions)).containsExactly("d");
        assertThat(compensationsReleased(apply(compensationSucceeded(WF, "d", 1, T0.plusSeconds(6)))))
                .containsExactly("b", "c");
        assertThat(apply(compensationSucceeded(WF, "c", 1, T0.plusSeconds(7)))).isEmpty();
        assertThat(compensationOf("a")).isEqualTo(TaskStatus.WAITING);
        assertThat(compensationsReleased(apply(compensationSucceeded(WF, "b", 1, T0.plusSeconds(8)))))
                .containsExactly("a");
        assertThat(apply(compensationSucceeded(WF, "a", 1, T0.plusSeconds(9))))
                .singleElement()
                .isInstanceOfSatisfying(
                        Emit.class,
                        emit -> assertThat(((WorkflowFailed) emit.event()).compensation())
                                .isEqualTo(CompensationOutcome.COMPENSATED));
    }

    @Test
    void compensationFailingForGoodSkipsUnreleasedOnesLetsThoseInFlightFinishAndRecordsTheFailure() {
        apply(accepted(WF, diamond()));
        succeedDiamond();
        apply(failed(WF, "e", 1, "E", false, T0.plusSeconds(5)));
        apply(compensationSucceeded(WF, "d", 1, T0.plusSeconds(6)));

        assertThat(apply(compensationFailed(WF, "b", 1, "UNDO_FAILED", true, T0.plusSeconds(7))))
                .isEmpty();

        assertThat(compensationOf("b")).isEqualTo(TaskStatus.FAILED);
        assertThat(compensationOf("a")).isEqualTo(TaskStatus.SKIPPED);
        assertThat(compensationOf("c")).isEqualTo(TaskStatus.DISPATCHED);
        assertThat(run().status()).isEqualTo(WorkflowStatus.COMPENSATING);
        assertThat(apply(compensationSucceeded(WF, "c", 1, T0.plusSeconds(8))))
                .containsExactly(new Emit(new WorkflowFailed(
                        WF,
                        TaskId.of("e"),
                        "task 'e' failed: E: boom; compensation of task 'b' failed: UNDO_FAILED: boom",
                        CompensationOutcome.COMPENSATION_FAILED,
                        T0.plusSeconds(8))));
        assertThat(run().compensationFailure()).isNotNull();
        assertThat(apply(compensationSucceeded(WF, "a", 1, T0.plusSeconds(9)))).isEmpty();
    }

    @Test
    void compensationRetriesByItsOwnPolicyWithTimersOfItsOwnAndUnderTheTasksTimeout() {
        TaskDefinition a = compensated(
                "a",
                retry(5, Duration.ofSeconds(1), List.of()),
                new TaskTimeout(Duration.ofSeconds(30), null),
                retry(2, Duration.ofSeconds(5), List.of()));
        apply(accepted(WF, definition(List.of(a, task("b:a", null, null)), null)));
        apply(succeeded(WF, "a", 1, T0.plusSeconds(1)));
        Instant failedAt = T0.plusSeconds(2);

        List<Decision> decisions = apply(failed(WF, "b", 1, "E", false, failedAt));

        Instant deadline = failedAt.plusSeconds(30);
        assertThat(decisions)
                .contains(new ScheduleTimer(
                        new TimerKey(WF, "compensation/start-to-close/a/1"),
                        deadline,
                        new TaskTimedOut(
                                WF, TaskId.of("a"), 1, TaskKind.COMPENSATION, TimeoutKind.START_TO_CLOSE, deadline)));
        assertThat(dispatches(decisions).getFirst().deadline()).isEqualTo(deadline);

        List<Decision> timedOut = apply(
                new TaskTimedOut(WF, TaskId.of("a"), 1, TaskKind.COMPENSATION, TimeoutKind.START_TO_CLOSE, deadline));
        Instant due = deadline.plusSeconds(5);
        assertThat(timedOut)
                .containsExactly(
                        new CancelTimer(new TimerKey(WF, "compensation/start-to-close/a/1")),
                        new ScheduleTimer(
                                new TimerKey(WF, "compensation/retry/a/2"),
                                due,
                                new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.COMPENSATION, due)));
        assertThat(compensationOf("a")).isEqualTo(TaskStatus.RETRY_WAIT);
        assertThat(machine.pending(run(), due)).contains(timedOut.getLast()).noneMatch(Dispatch.class::isInstance);
        // the late result of the timed-out compensation attempt is stale
        assertThat(apply(compensationSucceeded(WF, "a", 1, deadline.plusSeconds(1))))
                .isEmpty();
        // a task-kind retry event with the same numbers does not touch the compensation
        assertThat(apply(new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.TASK, due)))
                .isEmpty();

        List<Decision> retried = apply(new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.COMPENSATION, due));
        assertThat(dispatches(retried)).singleElement().satisfies(command -> {
            assertThat(command.idempotencyKey()).isEqualTo("wf-1/a/compensation/2");
            assertThat(command.kind()).isEqualTo(TaskKind.COMPENSATION);
        });
        assertThat(apply(new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.COMPENSATION, due)))
                .isEmpty();

        // second failure: attempts of the compensation exhausted (not the task's 5)
        assertThat(apply(compensationFailed(WF, "a", 2, "HTTP_503", true, due.plusSeconds(1))))
                .contains(new Emit(new WorkflowFailed(
                        WF,
                        TaskId.of("b"),
                        "task 'b' failed: E: boom; compensation of task 'a' failed after 2 attempts: HTTP_503: boom",
                        CompensationOutcome.COMPENSATION_FAILED,
                        due.plusSeconds(1))));
    }

    @Test
    void compensationWithoutItsOwnRetryFallsBackToTheWorkflowTaskDefaultsNotTheTasksRetry() {
        TaskDefinition a = compensated("a", retry(5, Duration.ofSeconds(1), List.of()), null, null);
        TaskDefaults defaults = new TaskDefaults(new RetryPolicy(2, Duration.ZERO, null, null, null, null), null);
        apply(accepted(WF, definition(List.of(a, task("b:a", retry(1, Duration.ZERO, List.of()), null)), defaults)));
        apply(succeeded(WF, "a", 1, T0));
        apply(failed(WF, "b", 1, "E", false, T0.plusSeconds(1)));

        List<Decision> retried = apply(compensationFailed(WF, "a", 1, "X", true, T0.plusSeconds(2)));

        assertThat(compensationsReleased(retried)).containsExactly("a");
        assertThat(run().compensations().get(TaskId.of("a")).attempt()).isEqualTo(2);
        assertThat(apply(compensationFailed(WF, "a", 2, "X", true, T0.plusSeconds(3))))
                .singleElement()
                .isInstanceOf(Emit.class);
    }

    @Test
    void staleAndMisdirectedCompensationEventsAreIgnored() {
        apply(accepted(WF, definition(List.of(compensated("a"), task("b:a", null, null)), null)));
        apply(succeeded(WF, "a", 1, T0));
        Dispatch release = dispatch(apply(failed(WF, "b", 1, "E", false, T0.plusSeconds(1))));
        WorkflowRun compensating = run();

        assertThat(apply(compensationSucceeded(WF, "a", 2, T0.plusSeconds(2)))).isEmpty();
        assertThat(apply(compensationSucceeded(WF, "b", 1, T0.plusSeconds(2)))).isEmpty();
        assertThat(apply(succeeded(WF, "a", 1, T0.plusSeconds(2)))).isEmpty();
        assertThat(apply(failed(WF, "b", 1, "E", false, T0.plusSeconds(2)))).isEmpty();
        assertThat(run()).isSameAs(compensating);

        // its own TasksDispatched coming back marks the compensation attempt logged
        assertThat(apply(release.event())).isEmpty();
        assertThat(run().compensations().get(TaskId.of("a")).dispatchLogged()).isTrue();
        apply(compensationSucceeded(WF, "a", 1, T0.plusSeconds(3)));
        WorkflowRun ended = run();
        assertThat(apply(compensationSucceeded(WF, "a", 1, T0.plusSeconds(4)))).isEmpty();
        assertThat(apply(compensationFailed(WF, "a", 1, "LATE", false, T0.plusSeconds(4))))
                .isEmpty();
        assertThat(run()).isSameAs(ended);
    }

    @Test
    void compensatingEventComingBackOnlyMarksItLoggedAndPendingReissuesWhatTheLogDoesNotShow() {
        apply(accepted(WF, definition(List.of(compensated("a"), task("b:a", null, null)), null)));
        apply(succeeded(WF, "a", 1, T0));
        List<Decision> decisions = apply(failed(WF, "b", 1, "E", false, T0.plusSeconds(1)));
        Emit compensating = (Emit) decisions.getFirst();
        Dispatch release = dispatch(decisions);
        Instant now = T0.plusSeconds(100);

        List<Decision> pending = machine.pending(run(), now);

        assertThat(pending.getFirst()).isEqualTo(compensating);
        Dispatch reissued = (Dispatch) pending.get(1);
        assertThat(reissued.commands()).isEqualTo(release.commands());
        assertThat(reissued.event().tasks()).isEqualTo(release.event().tasks());

        assertThat(apply(compensating.event())).isEmpty();
        assertThat(run().outcomeLogged()).isTrue();
        apply(release.event());
        assertThat(machine.pending(run(), now)).isEmpty();
    }

    // --- rerun (§6) ---

    @Test
    void rerunAfterFailureRunsTheFailedAndSkippedTasksWithNewAttemptsAndKeepsSucceededOutputs() {
        apply(accepted(WF, withTimeout(dag("a", "b:a", "c:b", "x"), TIMEOUT)));
        apply(succeeded(WF, "a", 1, T0.plusSeconds(1)));
        apply(succeeded(WF, "x", 1, T0.plusSeconds(1)));
        Emit failure =
                (Emit) apply(failed(WF, "b", 1, "E", false, T0.plusSeconds(2))).getLast();
        apply(failure.event());
        assertThat(run().outcomeLogged()).isTrue();
        Instant requested = T0.plusSeconds(60);

        List<Decision> decisions = apply(new WorkflowRetryRequested(WF, "fixed", requested));

        assertThat(run().status()).isEqualTo(WorkflowStatus.RUNNING);
        assertThat(run().outcome()).isNull();
        assertThat(run().outcomeLogged()).isFalse();
        assertThat(run().failure()).isNull();
        assertThat(run().reruns()).isEqualTo(1);
        Dispatch dispatch = dispatch(decisions);
        assertThat(dispatch.event().dispatchedAt()).isEqualTo(requested);
        assertThat(dispatch.commands()).singleElement().satisfies(command -> {
            assertThat(command.idempotencyKey()).isEqualTo("wf-1/b/2");
            assertThat(command.upstreamOutputs()).containsEntry(TaskId.of("a"), json("{\"from\":\"a\"}"));
        });
        Instant deadline = requested.plus(TIMEOUT);
        assertThat(decisions)
                .contains(new ScheduleTimer(
                        new TimerKey(WF, "deadline/1"), deadline, new WorkflowTimedOut(WF, deadline, deadline)));
        assertThat(statusOf("c")).isEqualTo(TaskStatus.WAITING);
        assertThat(statusOf("a")).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(run().task(TaskId.of("a")).output()).isEqualTo(json("{\"from\":\"a\"}"));

        // the redelivered outcome of the first run and a duplicate request change nothing
        WorkflowRun rerun = run();
        assertThat(apply(failure.event())).isEmpty();
        assertThat(apply(new WorkflowRetryRequested(WF, "fixed", requested))).isEmpty();
        assertThat(apply(succeeded(WF, "b", 1, requested))).isEmpty();
        assertThat(run()).isSameAs(rerun);

        assertThat(released(apply(succeeded(WF, "b", 2, requested.plusSeconds(1)))))
                .containsExactly("c");
        assertThat(apply(succeeded(WF, "c", 1, requested.plusSeconds(2))))
                .containsExactly(
                        new CancelTimer(new TimerKey(WF, "deadline/1")),
                        new Emit(new WorkflowSucceeded(WF, requested.plusSeconds(2))));
        assertThat(run().status()).isEqualTo(WorkflowStatus.SUCCEEDED);
    }

    @Test
    void rerunAfterCompensationRerunsUndoneTasksKeepsThoseWhoseCompensationFailedAndCompensatesAgainLater() {
        apply(accepted(WF, definition(List.of(compensated("a"), compensated("c"), task("b:a,c", null, null)), null)));
        apply(succeeded(WF, "a", 1, T0));
        apply(succeeded(WF, "c", 1, T0));
        apply(failed(WF, "b", 1, "E", false, T0.plusSeconds(1)));
        apply(compensationFailed(WF, "a", 1, "X", false, T0.plusSeconds(2)));
        apply(compensationSucceeded(WF, "c", 1, T0.plusSeconds(3)));
        assertThat(run().status()).isEqualTo(WorkflowStatus.FAILED);
        Instant requested = T0.plusSeconds(60);

        List<Decision> decisions = apply(new WorkflowRetryRequested(WF, null, requested));

        assertThat(released(decisions)).containsExactly("c");
        assertThat(dispatch(decisions).commands().getFirst().attempt()).isEqualTo(2);
        assertThat(statusOf("a")).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(statusOf("b")).isEqualTo(TaskStatus.WAITING);
        assertThat(run().compensations()).isEmpty();
        assertThat(run().compensationFailure()).isNull();

        apply(new TaskSucceeded(
                WF, TaskId.of("c"), 2, TaskKind.TASK, json("{\"from\":\"c2\"}"), "w", requested.plusSeconds(1)));
        List<Decision> failing = apply(failed(WF, "b", 2, "E", false, requested.plusSeconds(2)));

        // both succeeded tasks are compensated again; numbering continues, the new output is undone
        assertThat(compensationsReleased(failing)).containsExactly("a", "c");
        assertThat(dispatch(failing).commands())
                .extracting(TaskDispatch::idempotencyKey)
                .containsExactly("wf-1/a/compensation/2", "wf-1/c/compensation/2");
        assertThat(dispatch(failing).commands().get(1).compensates())
                .isEqualTo(new CompensatedTask(json("{\"task\":\"c\"}"), json("{\"from\":\"c2\"}")));
        assertThat(apply(compensationSucceeded(WF, "a", 2, requested.plusSeconds(3))))
                .isEmpty();
        assertThat(apply(compensationSucceeded(WF, "c", 2, requested.plusSeconds(4))))
                .containsExactly(new Emit(new WorkflowFailed(
                        WF,
                        TaskId.of("b"),
                        "task 'b' failed after 2 attempts: E: boom",
                        CompensationOutcome.COMPENSATED,
                        requested.plusSeconds(4))));
    }

    @Test
    void rerunAfterCancelReleasesTheCancelledAndSkippedTasksAgain() {
        apply(accepted(WF, dag("a", "b:a", "x")));
        apply(succeeded(WF, "x", 1, T0));
        apply(started(WF, "a", 1, T0));
        apply(new WorkflowCancelRequested(WF, "oops", T0.plusSeconds(1)));
        assertThat(run().status()).isEqualTo(WorkflowStatus.CANCELLED);

        List<Decision> decisions = apply(new WorkflowRetryRequested(WF, null, T0.plusSeconds(2)));

        assertThat(dispatch(decisions).commands())
                .extracting(TaskDispatch::idempotencyKey)
                .containsExactly("wf-1/a/2");
        assertThat(statusOf("b")).isEqualTo(TaskStatus.WAITING);
        assertThat(statusOf("x")).isEqualTo(TaskStatus.SUCCEEDED);
        // the cancelled attempt's late result and the redelivered cancel request are stale
        assertThat(apply(succeeded(WF, "a", 1, T0.plusSeconds(3)))).isEmpty();
        assertThat(apply(new WorkflowCancelRequested(WF, "oops", T0.plusSeconds(1))))
                .isEmpty();
        assertThat(run().status()).isEqualTo(WorkflowStatus.RUNNING);
        assertThat(released(apply(succeeded(WF, "a", 2, T0.plusSeconds(3))))).containsExactly("b");
    }

    @Test
    void rerunIsIgnoredUnlessTheWorkflowFailedOrWasCancelled() {
        apply(accepted(WF, definition(List.of(compensated("a"), task("b:a", null, null)), null)));
        WorkflowRun running = run();
        assertThat(apply(new WorkflowRetryRequested(WF, null, T0.plusSeconds(1))))
                .isEmpty();
        assertThat(run()).isSameAs(running);

        apply(succeeded(WF, "a", 1, T0.plusSeconds(1)));
        apply(failed(WF, "b", 1, "E", false, T0.plusSeconds(2)));
        WorkflowRun compensating = run();
        assertThat(apply(new WorkflowRetryRequested(WF, null, T0.plusSeconds(3))))
                .isEmpty();
        assertThat(run()).isSameAs(compensating);

        run = null;
        apply(accepted(WF, dag("a")));
        apply(succeeded(WF, "a", 1, T0.plusSeconds(1)));
        WorkflowRun succeeded = run();
        assertThat(apply(new WorkflowRetryRequested(WF, null, T0.plusSeconds(2))))
                .isEmpty();
        assertThat(run()).isSameAs(succeeded);
    }

    @Test
    void deadlineTimerOfTheRunBeforeARerunIsStale() {
        apply(accepted(WF, withTimeout(dag("a", "b"), TIMEOUT)));
        List<Decision> failing = apply(failed(WF, "a", 1, "E", false, T0.plusSeconds(1)));
        assertThat(failing).isEmpty(); // b still runs
        List<Decision> ended = apply(succeeded(WF, "b", 1, T0.plusSeconds(2)));
        assertThat(ended).contains(new CancelTimer(new TimerKey(WF, "deadline/0")));
        Instant requested = T0.plus(Duration.ofMinutes(5));
        apply(new WorkflowRetryRequested(WF, null, requested));
        WorkflowRun rerun = run();

        // fired before it was disarmed, arriving after the rerun
        assertThat(apply(new WorkflowTimedOut(WF, T0.plus(TIMEOUT), T0.plus(TIMEOUT))))
                .isEmpty();
        assertThat(run()).isSameAs(rerun);

        Instant deadline = requested.plus(TIMEOUT);
        List<Decision> timedOut = apply(new WorkflowTimedOut(WF, deadline, deadline));
        assertThat(timedOut.getLast())
                .isEqualTo(new Emit(new WorkflowFailed(
                        WF,
                        null,
                        "workflow deadline 2025-01-01T00:15:00Z exceeded",
                        CompensationOutcome.NONE,
                        deadline)));
        assertThat(statusOf("a")).isEqualTo(TaskStatus.CANCELLED);
    }

    @Test
    void pendingArmsTheCurrentDeadlineWhileRunning() {
        apply(accepted(WF, withTimeout(dag("a"), TIMEOUT)));
        Instant deadline = T0.plus(TIMEOUT);

        assertThat(machine.pending(run(), T0.plusSeconds(5)))
                .contains(new ScheduleTimer(
                        new TimerKey(WF, "deadline/0"), deadline, new WorkflowTimedOut(WF, deadline, deadline)));
    }

    // --- determinism ---

    @Test
    void sameHistoryWithRetriesGivesTheSameDecisionsAndReleaseTimesWhenAppliedTwice() {
        RetryPolicy jittered = new RetryPolicy(4, Duration.ofSeconds(2), 3.0, Duration.ofMinutes(1), 0.5, List.of());
        WorkflowDefinition definition = definition(
                List.of(
                        compensated("a", jittered, null, jittered),
                        task("b", jittered, null),
                        task("c:a,b", jittered, null)),
                null);
        List<WorkflowEvent> history = new ArrayList<>();
        List<List<Decision>> live = new ArrayList<>();
        WorkflowRun current = null;
        // a succeeds; b fails three times then succeeds; c fails for good; a's compensation fails once
        List<WorkflowEvent> script = new ArrayList<>(List.of(
                accepted(WF, definition),
                succeeded(WF, "a", 1, T0.plusSeconds(1)),
                failed(WF, "b", 1, "HTTP_503", true, T0.plusSeconds(2))));
        int step = 0;
        while (step < script.size()) {
            WorkflowEvent event = script.get(step++);
            Transition transition = machine.apply(current, event);
            current = transition.run();
            history.add(event);
            live.add(transition.decisions());
            for (Decision decision : transition.decisions()) {
                if (decision instanceof ScheduleTimer timer && timer.event() instanceof TaskRetryDue due) {
                    script.add(due); // the timer fires at its due time
                    int attempt = due.attempt();
                    Instant at = timer.dueAt().plusSeconds(1);
                    script.add(
                            due.kind() == TaskKind.COMPENSATION
                                    ? compensationSucceeded(WF, "a", attempt, at)
                                    : attempt < 4
                                            ? failed(WF, "b", attempt, "HTTP_503", true, at)
                                            : succeeded(WF, "b", attempt, at));
                }
                if (decision instanceof Dispatch dispatch) {
                    for (TaskDispatch command : dispatch.commands()) {
                        if (command.taskId().equals(TaskId.of("c"))) {
                            script.add(failed(
                                    WF,
                                    "c",
                                    1,
                                    "BAD",
                                    false,
                                    dispatch.event().dispatchedAt().plusSeconds(1)));
                        } else if (command.kind() == TaskKind.COMPENSATION && command.attempt() == 1) {
                            script.add(compensationFailed(
                                    WF,
                                    "a",
                                    1,
                                    "HTTP_503",
                                    true,
                                    dispatch.event().dispatchedAt().plusSeconds(1)));
                        }
                    }
                }
            }
        }
        assertThat(current).isNotNull();
        assertThat(current.status()).isEqualTo(WorkflowStatus.FAILED);

        List<List<Decision>> replayed = new ArrayList<>();
        WorkflowRun again = null;
        for (WorkflowEvent event : history) {
            Transition transition = new WorkflowStateMachine().apply(again, event);
            again = transition.run();
            replayed.add(transition.decisions());
        }

        assertThat(replayed).isEqualTo(live);
        assertThat(again).isEqualTo(current);
        assertThat(retryTimes(live)).hasSize(4).isEqualTo(retryTimes(replayed));
        // jitter spreads the waits (2 s, 6 s, 18 s for b, then 2 s for the compensation) by up to ±50 %
        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            for (Decision decision : live.get(i)) {
                if (decision instanceof ScheduleTimer timer && timer.event() instanceof TaskRetryDue) {
                    Instant failedAt = ((WorkflowEvent.TaskFailed) history.get(i)).finishedAt();
                    waits.add(Duration.between(failedAt, timer.dueAt()));
                }
            }
        }
        List<Duration> plain =
                List.of(Duration.ofSeconds(2), Duration.ofSeconds(6), Duration.ofSeconds(18), Duration.ofSeconds(2));
        assertThat(waits).hasSize(4).isNotEqualTo(plain);
        for (int i = 0; i < waits.size(); i++) {
            assertThat(waits.get(i))
                    .isBetween(
                            plain.get(i).dividedBy(2),
                            plain.get(i).multipliedBy(3).dividedBy(2));
        }
    }

    // --- helpers ---

    /** a → b, c → d, every one compensated; e depends on d and is the one that fails. */
    private static WorkflowDefinition diamond() {
        return definition(
                List.of(
                        compensated("a"),
                        compensated("b:a"),
                        compensated("c:a"),
                        compensated("d:b,c"),
                        task("e:d", null, null)),
                null);
    }

    private void succeedDiamond() {
        apply(succeeded(WF, "a", 1, T0.plusSeconds(1)));
        apply(succeeded(WF, "b", 1, T0.plusSeconds(2)));
        apply(succeeded(WF, "c", 1, T0.plusSeconds(3)));
        apply(succeeded(WF, "d", 1, T0.plusSeconds(4)));
    }

    private static List<Instant> retryTimes(List<List<Decision>> decisions) {
        return decisions.stream()
                .flatMap(List::stream)
                .filter(ScheduleTimer.class::isInstance)
                .map(ScheduleTimer.class::cast)
                .filter(timer -> timer.event() instanceof TaskRetryDue)
                .map(ScheduleTimer::dueAt)
                .toList();
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

    private TaskStatus compensationOf(String task) {
        TaskState state = run().compensations().get(TaskId.of(task));
        assertThat(state).as("compensation of %s", task).isNotNull();
        return state.status();
    }

    private static Dispatch dispatch(List<Decision> decisions) {
        Dispatch dispatch = onlyRelease(decisions);
        assertThat(dispatch.event().tasks()).hasSameSizeAs(dispatch.commands());
        return dispatch;
    }

    private static List<TaskDispatch> dispatches(List<Decision> decisions) {
        return dispatch(decisions).commands();
    }

    private static List<String> released(List<Decision> decisions) {
        Dispatch dispatch = dispatch(decisions);
        assertThat(dispatch.event().tasks()).allMatch(t -> t.kind() == TaskKind.TASK);
        return dispatch.event().tasks().stream().map(t -> t.taskId().value()).toList();
    }

    private static List<String> compensationsReleased(List<Decision> decisions) {
        Dispatch dispatch = dispatch(decisions);
        for (int i = 0; i < dispatch.commands().size(); i++) {
            DispatchedTask listed = dispatch.event().tasks().get(i);
            TaskDispatch command = dispatch.commands().get(i);
            assertThat(listed.kind()).isEqualTo(TaskKind.COMPENSATION);
            assertThat(listed.type()).isEqualTo("undo");
            assertThat(command.kind()).isEqualTo(TaskKind.COMPENSATION);
            assertThat(command.taskId()).isEqualTo(listed.taskId());
            assertThat(command.compensates()).isNotNull();
        }
        return dispatch.event().tasks().stream().map(t -> t.taskId().value()).toList();
    }
}
