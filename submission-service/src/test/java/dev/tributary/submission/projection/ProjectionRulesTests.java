package dev.tributary.submission.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.tributary.events.codec.EventCodec;
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
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.submission.query.AttemptStatus;
import dev.tributary.submission.query.TaskAttempt;
import dev.tributary.submission.query.TaskAttempt.LateResult;
import dev.tributary.submission.query.TaskCompensation;
import dev.tributary.submission.query.TaskError;
import dev.tributary.submission.query.TaskStatus;
import dev.tributary.submission.query.WorkflowStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ProjectionRulesTests {

    private static final WorkflowId WF = WorkflowId.of("wf-1");
    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    private final ProjectionRules rules = new ProjectionRules(1);

    @Test
    void eventsAboutAnUnknownWorkflowAreIgnoredButItsAcceptanceCreatesIt() {
        assertThat(rules.apply(null, started("a", 1, "w", 1))).isNull();
        assertThat(rules.apply(null, new WorkflowSucceeded(WF, at(1)))).isNull();

        ProjectedWorkflow created = rules.apply(null, accepted(diamond()));

        assertThat(created).isNotNull();
        assertThat(created.status()).isEqualTo(WorkflowStatus.RUNNING);
        assertThat(created.createdAt()).isEqualTo(T0);
        assertThat(created.startedAt()).isEqualTo(T0);
        assertThat(created.definition()).isEqualTo(diamond());
        assertThat(created.tasks().keySet()).containsExactly("a", "b", "c", "d");
        assertThat(created.tasks().values()).allSatisfy(task -> {
            assertThat(task.status()).isEqualTo(TaskStatus.WAITING);
            assertThat(task.attempt()).isZero();
        });
    }

    @Test
    void aStoredWorkflowBecomesRunningWhenTheLogShowsItAccepted() {
        ProjectedWorkflow stored = stored(diamond());

        ProjectedWorkflow running = rules.apply(stored, new WorkflowAccepted(WF, diamond(), at(2)));

        assertThat(running.status()).isEqualTo(WorkflowStatus.RUNNING);
        assertThat(running.startedAt()).isEqualTo(at(2));
        assertThat(running.updatedAt()).isEqualTo(at(2));
        assertThat(rules.apply(running, new WorkflowAccepted(WF, diamond(), at(3))))
                .as("a redelivered acceptance changes nothing")
                .isSameAs(running);
    }

    @Test
    void aTaskMovesThroughDispatchedRunningAndSucceededWithItsTimesWorkerAndOutput() {
        Instant deadline = at(100);
        ProjectedWorkflow workflow = fold(
                accepted(diamond()),
                new TasksDispatched(
                        WF, List.of(new DispatchedTask(TaskId.of("a"), "noop", 1, TaskKind.TASK, deadline)), at(1)));
        ProjectedTask dispatched = workflow.tasks().get("a");
        assertThat(dispatched.status()).isEqualTo(TaskStatus.DISPATCHED);
        assertThat(dispatched.attempt()).isEqualTo(1);
        assertThat(dispatched.dispatchedAt()).isEqualTo(at(1));
        assertThat(dispatched.deadline()).isEqualTo(deadline);

        workflow = rules.apply(workflow, started("a", 1, "worker-1", 2));
        assertThat(workflow.tasks().get("a").status()).isEqualTo(TaskStatus.RUNNING);
        assertThat(workflow.tasks().get("a").startedAt()).isEqualTo(at(2));
        assertThat(workflow.tasks().get("a").workerId()).isEqualTo("worker-1");

        workflow = rules.apply(workflow, succeeded("a", 1, "{\"n\":1}", 3));
        ProjectedTask done = workflow.tasks().get("a");
        assertThat(done.status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(done.output()).isEqualTo(json("{\"n\":1}"));
        assertThat(done.dispatchedAt()).isEqualTo(at(1));
        assertThat(done.startedAt()).isEqualTo(at(2));
        assertThat(done.finishedAt()).isEqualTo(at(3));
        assertThat(done.updatedAt()).isEqualTo(at(3));
        assertThat(workflow.updatedAt()).isEqualTo(at(3));
        assertThat(workflow.tasks().get("b").status()).isEqualTo(TaskStatus.WAITING);
    }

    @Test
    void aSecondResultForAFinishedAttemptChangesNothing() {
        ProjectedWorkflow workflow =
                fold(accepted(diamond()), dispatched(1, 1, "a"), started("a", 1, "w", 2), succeeded("a", 1, "{}", 3));

        assertThat(rules.apply(workflow, succeeded("a", 1, "{\"other\":true}", 4)))
                .isSameAs(workflow);
        assertThat(rules.apply(workflow, failed("a", 1, "BOOM", true, 4))).isSameAs(workflow);
        assertThat(rules.apply(workflow, started("a", 1, "w", 4))).isSameAs(workflow);
        assertThat(rules.apply(workflow, dispatched(1, 5, "a")))
                .as("the release of a finished attempt")
                .isSameAs(workflow);
    }

    @Test
    void resultsOfAStaleAttemptChangeNothing() {
        WorkflowDefinition retrying = definition(retry(3), task("a"));
        ProjectedWorkflow workflow = fold(
                accepted(retrying),
                dispatched(1, 1, "a"),
                failed("a", 1, "HTTP_503", true, 2),
                dispatched(2, 3, "a"),
                started("a", 2, "w2", 4));

        assertThat(rules.apply(workflow, succeeded("a", 1, "{}", 5))).isSameAs(workflow);
        assertThat(rules.apply(workflow, started("a", 1, "w1", 5))).isSameAs(workflow);
        assertThat(rules.apply(workflow, failed("a", 1, "X", false, 5))).isSameAs(workflow);
        assertThat(workflow.tasks().get("a").status()).isEqualTo(TaskStatus.RUNNING);
        assertThat(workflow.tasks().get("a").attempt()).isEqualTo(2);
    }

    @Test
    void aWorkersEventThatOvertakesTheReleaseAdoptsTheAttemptAndTheReleaseOnlyAddsItsTimes() {
        ProjectedWorkflow workflow = fold(accepted(diamond()), started("a", 1, "w", 2));
        assertThat(workflow.tasks().get("a").status()).isEqualTo(TaskStatus.RUNNING);
        assertThat(workflow.tasks().get("a").dispatchedAt()).isNull();

        workflow = rules.apply(workflow, dispatched(1, 1, "a"));

        ProjectedTask task = workflow.tasks().get("a");
        assertThat(task.status()).isEqualTo(TaskStatus.RUNNING);
        assertThat(task.dispatchedAt()).isEqualTo(at(1));
        assertThat(task.updatedAt()).isEqualTo(at(2));
        assertThat(rules.apply(workflow, dispatched(1, 1, "a"))).isSameAs(workflow);
    }

    @Test
    void aRetryableFailureWithAttemptsLeftWaitsForTheRetryAndTheNextReleaseKeepsTheError() {
        ProjectedWorkflow workflow = fold(
                accepted(definition(retry(3), task("a"))),
                dispatched(1, 1, "a"),
                started("a", 1, "w", 2),
                failed("a", 1, "HTTP_503", true, 3));
        ProjectedTask waiting = workflow.tasks().get("a");
        assertThat(waiting.status()).isEqualTo(TaskStatus.RETRY_WAIT);
        assertThat(waiting.error()).isEqualTo(new TaskError("HTTP_503", "failed", true));
        assertThat(waiting.finishedAt()).isEqualTo(at(3));

        workflow = rules.apply(workflow, dispatched(2, 4, "a"));

        ProjectedTask second = workflow.tasks().get("a");
        assertThat(second.status()).isEqualTo(TaskStatus.DISPATCHED);
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(second.startedAt()).isNull();
        assertThat(second.finishedAt()).isNull();
        assertThat(second.error()).as("the last failure stays visible").isEqualTo(waiting.error());
    }

    @Test
    void aFailureIsFinalWhenNotRetryableListedAsNonRetryableOrOutOfAttempts() {
        WorkflowDefinition policy = new WorkflowDefinition(
                "wf",
                null,
                Map.of(),
                null,
                new TaskDefaults(new RetryPolicy(2, null, null, null, null, List.of("CARD_DECLINED")), null),
                List.of(task("a")));
        assertThat(statusAfterFailure(policy, 1, "X", false)).isEqualTo(TaskStatus.FAILED);
        assertThat(statusAfterFailure(policy, 1, "CARD_DECLINED", true)).isEqualTo(TaskStatus.FAILED);
        assertThat(statusAfterFailure(policy, 2, "X", true)).isEqualTo(TaskStatus.FAILED);
        assertThat(statusAfterFailure(policy, 1, "X", true)).isEqualTo(TaskStatus.RETRY_WAIT);
        assertThat(statusAfterFailure(diamond(), 1, "X", true))
                .as("no policy: the default of one attempt")
                .isEqualTo(TaskStatus.FAILED);
        assertThat(new ProjectionRules(3)
                        .applyAll(
                                null, List.of(accepted(diamond()), dispatched(1, 1, "a"), failed("a", 1, "X", true, 2)))
                        .tasks()
                        .get("a")
                        .status())
                .as("a higher default")
                .isEqualTo(TaskStatus.RETRY_WAIT);
    }

    @Test
    void aWrongForecastIsSettledByTheLog() {
        // The scheduler retries (its default differs): the retry timer and the release say so.
        ProjectedWorkflow workflow = fold(accepted(diamond()), dispatched(1, 1, "a"), failed("a", 1, "X", true, 2));
        assertThat(workflow.tasks().get("a").status()).isEqualTo(TaskStatus.FAILED);

        workflow = rules.apply(workflow, new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.TASK, at(3)));
        assertThat(workflow.tasks().get("a").status()).isEqualTo(TaskStatus.RETRY_WAIT);
        workflow = rules.apply(workflow, dispatched(2, 3, "a"));
        assertThat(workflow.tasks().get("a").status()).isEqualTo(TaskStatus.DISPATCHED);

        // The scheduler gives up although a retry looked possible: its WorkflowFailed says so.
        ProjectedWorkflow other = fold(
                accepted(definition(retry(5), task("a"), task("b", "a"))),
                dispatched(1, 1, "a"),
                failed("a", 1, "X", true, 2));
        assertThat(other.tasks().get("a").status()).isEqualTo(TaskStatus.RETRY_WAIT);
        other = rules.apply(
                other, new WorkflowFailed(WF, TaskId.of("a"), "deadline passed", CompensationOutcome.NONE, at(3)));
        assertThat(other.tasks().get("a").status()).isEqualTo(TaskStatus.FAILED);
        assertThat(other.tasks().get("b").status()).isEqualTo(TaskStatus.SKIPPED);
    }

    @Test
    void timeoutsFailTheAttemptAsTheSchedulerDoes() {
        ProjectedWorkflow running =
                fold(accepted(definition(retry(2), task("a"))), dispatched(1, 1, "a"), started("a", 1, "w", 2));

        assertThat(rules.apply(running, timedOut("a", 1, TimeoutKind.SCHEDULE_TO_START, 3)))
                .as("schedule-to-start no longer applies once started")
                .isSameAs(running);
        ProjectedWorkflow timedOut = rules.apply(running, timedOut("a", 1, TimeoutKind.START_TO_CLOSE, 3));
        ProjectedTask task = timedOut.tasks().get("a");
        assertThat(task.status()).isEqualTo(TaskStatus.RETRY_WAIT);
        assertThat(task.error()).isNotNull();
        assertThat(task.error().code()).isEqualTo("TIMEOUT");
        assertThat(task.error().message()).contains("start-to-close");
        assertThat(task.attempts()).singleElement().satisfies(attempt -> {
            assertThat(attempt.status()).isEqualTo(AttemptStatus.TIMED_OUT);
            assertThat(attempt.finishedAt()).isEqualTo(at(3));
            assertThat(attempt.error()).isEqualTo(task.error());
        });
    }

    @Test
    void aLateResultOfATimedOutAttemptIsRecordedOnItsAttemptAndChangesNothingElse() {
        ProjectedWorkflow timedOut = fold(
                accepted(definition(retry(2), task("a"))),
                dispatched(1, 1, "a"),
                started("a", 1, "w1", 2),
                timedOut("a", 1, TimeoutKind.START_TO_CLOSE, 3),
                new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.TASK, at(4)),
                dispatched(2, 4, "a"));

        ProjectedWorkflow late = rules.apply(timedOut, succeeded("a", 1, "{}", 5));

        ProjectedTask task = late.tasks().get("a");
        assertThat(task)
                .usingRecursiveComparison()
                .ignoringFields("attempts")
                .isEqualTo(timedOut.tasks().get("a"));
        assertThat(task.status()).isEqualTo(TaskStatus.DISPATCHED);
        assertThat(task.attempt()).isEqualTo(2);
        assertThat(late.updatedAt()).isEqualTo(timedOut.updatedAt());
        TaskAttempt first = task.attemptRecord(TaskKind.TASK, 1);
        assertThat(first.status()).isEqualTo(AttemptStatus.TIMED_OUT);
        assertThat(first.lateResult()).isEqualTo(new LateResult(AttemptStatus.SUCCEEDED, "w", at(5), null));
        assertThat(task.attemptRecord(TaskKind.TASK, 2).status()).isEqualTo(AttemptStatus.DISPATCHED);
        assertThat(rules.apply(late, failed("a", 1, "X", true, 6)))
                .as("only the first late result counts")
                .isSameAs(late);
    }

    @Test
    void everyAttemptIsRecordedWithItsWorkerTimesAndError() {
        ProjectedWorkflow workflow = fold(
                accepted(definition(retry(3), task("a"))),
                new TasksDispatched(
                        WF, List.of(new DispatchedTask(TaskId.of("a"), "noop", 1, TaskKind.TASK, at(100))), at(1)),
                started("a", 1, "w1", 2),
                failed("a", 1, "HTTP_503", true, 3),
                new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.TASK, at(5)),
                dispatched(2, 5, "a"),
                started("a", 2, "w2", 6),
                succeeded("a", 2, "{\"ok\":true}", 7));

        ProjectedTask task = workflow.tasks().get("a");
        assertThat(task.status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(task.attempts())
                .containsExactly(
                        new TaskAttempt(
                                1,
                                TaskKind.TASK,
                                AttemptStatus.FAILED,
                                "w",
                                at(1),
                                at(100),
                                at(2),
                                at(3),
                                new TaskError("HTTP_503", "failed", true),
                                null),
                        new TaskAttempt(
                                2, TaskKind.TASK, AttemptStatus.SUCCEEDED, "w", at(5), null, at(6), at(7), null, null));
    }

    @Test
    void theWorkflowsEndSkipsUnreleasedTasksCancelsAttemptsInFlightAndFailsTheFailedTask() {
        ProjectedWorkflow workflow = fold(
                accepted(definition(null, task("a"), task("b"), task("c", "a"), task("d", "b"))),
                dispatched(1, 1, "a", "b"),
                succeeded("b", 1, "{}", 2),
                dispatched(1, 2, "d"),
                started("a", 1, "w", 3),
                failed("a", 1, "BOOM", false, 4),
                new WorkflowFailed(
                        WF, TaskId.of("a"), "task 'a' failed: BOOM: failed", CompensationOutcome.NONE, at(5)));

        assertThat(workflow.status()).isEqualTo(WorkflowStatus.FAILED);
        assertThat(workflow.finishedAt()).isEqualTo(at(5));
        assertThat(workflow.reason()).isEqualTo("task 'a' failed: BOOM: failed");
        assertThat(workflow.failedTask()).isEqualTo("a");
        assertThat(statuses(workflow))
                .containsExactly(
                        Map.entry("a", TaskStatus.FAILED),
                        Map.entry("b", TaskStatus.SUCCEEDED),
                        Map.entry("c", TaskStatus.SKIPPED),
                        Map.entry("d", TaskStatus.CANCELLED));
        assertThat(workflow.tasks().get("d").attemptRecord(TaskKind.TASK, 1).status())
                .isEqualTo(AttemptStatus.CANCELLED);
        ProjectedWorkflow late = rules.apply(workflow, succeeded("d", 1, "{}", 6));
        assertThat(statuses(late)).as("results after the end").isEqualTo(statuses(workflow));
        assertThat(late.status()).isEqualTo(WorkflowStatus.FAILED);
        assertThat(late.tasks().get("d").attemptRecord(TaskKind.TASK, 1).lateResult())
                .isNotNull();
        assertThat(rules.apply(workflow, new WorkflowSucceeded(WF, at(7))))
                .as("a second outcome")
                .isSameAs(workflow);
    }

    @Test
    void cancellationEndsTheWorkflowWithItsReasonAndTheRequestAloneChangesNothing() {
        ProjectedWorkflow running = fold(accepted(diamond()), dispatched(1, 1, "a"));
        assertThat(rules.apply(running, new WorkflowCancelRequested(WF, "user", at(2))))
                .isSameAs(running);

        ProjectedWorkflow cancelled = rules.apply(running, new WorkflowCancelled(WF, null, at(3)));

        assertThat(cancelled.status()).isEqualTo(WorkflowStatus.CANCELLED);
        assertThat(cancelled.reason()).isEqualTo("cancelled");
        assertThat(cancelled.tasks().get("a").status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelled.tasks().get("d").status()).isEqualTo(TaskStatus.SKIPPED);
    }

    @Test
    void compensatingStopsTaskEventsUntilTheFinalOutcome() {
        ProjectedWorkflow compensating = fold(
                accepted(diamond()),
                dispatched(1, 1, "a"),
                succeeded("a", 1, "{}", 2),
                dispatched(1, 2, "b", "c"),
                failed("b", 1, "X", false, 3),
                new WorkflowCompensating(WF, TaskId.of("b"), "task 'b' failed", List.of(TaskId.of("a")), at(4)));

        assertThat(compensating.status()).isEqualTo(WorkflowStatus.COMPENSATING);
        assertThat(compensating.failedTask()).isEqualTo("b");
        assertThat(compensating.finishedAt()).isNull();
        ProjectedWorkflow late = rules.apply(compensating, succeeded("c", 1, "{}", 5));
        assertThat(statuses(late)).isEqualTo(statuses(compensating));
        assertThat(late.tasks().get("c").status()).isEqualTo(TaskStatus.CANCELLED);
        ProjectedWorkflow failed = rules.apply(
                compensating,
                new WorkflowFailed(WF, TaskId.of("b"), "task 'b' failed", CompensationOutcome.COMPENSATED, at(6)));
        assertThat(failed.status()).isEqualTo(WorkflowStatus.FAILED);
        assertThat(failed.finishedAt()).isEqualTo(at(6));
    }

    @Test
    void compensationEventsOutsideCompensationOnlyRecordTheirAttempt() {
        ProjectedWorkflow workflow = fold(accepted(diamond()), dispatched(1, 1, "a"));

        ProjectedWorkflow after =
                rules.apply(workflow, new TaskStarted(WF, TaskId.of("a"), 1, TaskKind.COMPENSATION, "w", at(2)));

        assertThat(after.tasks().get("a").status()).isEqualTo(TaskStatus.DISPATCHED);
        assertThat(after.tasks().get("a").compensation()).isNull();
        assertThat(after.tasks()
                        .get("a")
                        .attemptRecord(TaskKind.COMPENSATION, 1)
                        .status())
                .isEqualTo(AttemptStatus.RUNNING);
        assertThat(after.updatedAt()).isEqualTo(workflow.updatedAt());
    }

    @Test
    void aTaskFailedForGoodSkipsItsDownstreamAtOnceWhileTheWorkflowAndOtherBranchesRun() {
        ProjectedWorkflow workflow = fold(
                accepted(definition(
                        null, task("a"), task("b", "a"), task("c", "a"), task("d", "b", "c"), task("e", "d"))),
                dispatched(1, 1, "a"),
                succeeded("a", 1, "{}", 2),
                dispatched(1, 3, "b", "c"),
                started("c", 1, "w", 4),
                failed("b", 1, "BOOM", false, 5));

        assertThat(workflow.status()).isEqualTo(WorkflowStatus.RUNNING);
        assertThat(statuses(workflow))
                .containsExactly(
                        Map.entry("a", TaskStatus.SUCCEEDED),
                        Map.entry("b", TaskStatus.FAILED),
                        Map.entry("c", TaskStatus.RUNNING),
                        Map.entry("d", TaskStatus.SKIPPED),
                        Map.entry("e", TaskStatus.SKIPPED));
        assertThat(workflow.tasks().get("d").updatedAt()).isEqualTo(at(5));

        workflow = rules.apply(workflow, succeeded("c", 1, "{}", 6));
        assertThat(workflow.tasks().get("c").status())
                .as("the other branch runs on")
                .isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(workflow.status()).isEqualTo(WorkflowStatus.RUNNING);
        workflow = rules.apply(
                workflow, new WorkflowFailed(WF, TaskId.of("b"), "task 'b' failed", CompensationOutcome.NONE, at(7)));
        assertThat(workflow.status()).isEqualTo(WorkflowStatus.FAILED);
        assertThat(workflow.compensation()).isEqualTo(CompensationOutcome.NONE);
        assertThat(statuses(workflow)).containsEntry("d", TaskStatus.SKIPPED).containsEntry("e", TaskStatus.SKIPPED);
    }

    @Test
    void aFailureForecastTheLogSettlesAsARetryTakesTheSkipsBack() {
        ProjectedWorkflow workflow = fold(accepted(diamond()), dispatched(1, 1, "a"), failed("a", 1, "X", true, 2));
        assertThat(statuses(workflow).values())
                .containsExactly(TaskStatus.FAILED, TaskStatus.SKIPPED, TaskStatus.SKIPPED, TaskStatus.SKIPPED);

        workflow = rules.apply(workflow, new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.TASK, at(3)));

        assertThat(statuses(workflow).values())
                .containsExactly(TaskStatus.RETRY_WAIT, TaskStatus.WAITING, TaskStatus.WAITING, TaskStatus.WAITING);
    }

    @Test
    void compensationsProgressThroughTheirAttemptsAndTheWorkflowShowsTheOutcome() {
        WorkflowDefinition saga =
                definition(null, compensated("a", retry(2)), compensated("b", null, "a"), task("c", "b"));
        ProjectedWorkflow workflow = fold(
                accepted(saga),
                dispatched(1, 1, "a"),
                succeeded("a", 1, "{}", 2),
                dispatched(1, 3, "b"),
                succeeded("b", 1, "{}", 4),
                dispatched(1, 5, "c"),
                failed("c", 1, "BOOM", false, 6));
        assertThat(workflow.status()).isEqualTo(WorkflowStatus.RUNNING);

        workflow = rules.apply(
                workflow,
                new WorkflowCompensating(
                        WF, TaskId.of("c"), "task 'c' failed", List.of(TaskId.of("b"), TaskId.of("a")), at(7)));
        assertThat(workflow.status()).isEqualTo(WorkflowStatus.COMPENSATING);
        assertThat(workflow.reason()).isEqualTo("task 'c' failed");
        assertThat(compensations(workflow))
                .containsEntry("a", TaskStatus.WAITING)
                .containsEntry("b", TaskStatus.WAITING)
                .containsEntry("c", null);

        workflow = fold(workflow, compensationDispatched("b", 1, 8), compensationStarted("b", 1, 9));
        assertThat(workflow.tasks().get("b").compensation().status()).isEqualTo(TaskStatus.RUNNING);
        workflow = fold(
                workflow,
                compensationSucceeded("b", 1, "{\"refunded\":true}", 10),
                compensationDispatched("a", 1, 11),
                compensationFailed("a", 1, "HTTP_503", true, 12));
        assertThat(workflow.tasks().get("b").compensation().status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(workflow.tasks().get("b").compensation().output()).isEqualTo(json("{\"refunded\":true}"));
        TaskCompensation a = workflow.tasks().get("a").compensation();
        assertThat(a.status()).as("the compensation's own retry policy").isEqualTo(TaskStatus.RETRY_WAIT);
        assertThat(a.error()).isEqualTo(new TaskError("HTTP_503", "failed", true));
        assertThat(workflow.tasks().get("a").status())
                .as("the task itself stays")
                .isEqualTo(TaskStatus.SUCCEEDED);

        workflow = fold(
                workflow,
                new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.COMPENSATION, at(13)),
                compensationDispatched("a", 2, 13),
                compensationSucceeded("a", 2, "{}", 14),
                new WorkflowFailed(WF, TaskId.of("c"), "task 'c' failed", CompensationOutcome.COMPENSATED, at(15)));

        assertThat(workflow.status()).isEqualTo(WorkflowStatus.FAILED);
        assertThat(workflow.compensation()).isEqualTo(CompensationOutcome.COMPENSATED);
        assertThat(workflow.failedTask()).isEqualTo("c");
        assertThat(compensations(workflow))
                .containsEntry("a", TaskStatus.SUCCEEDED)
                .containsEntry("b", TaskStatus.SUCCEEDED);
        assertThat(workflow.tasks().get("a").attempts())
                .extracting(TaskAttempt::kind, TaskAttempt::attempt, TaskAttempt::status)
                .containsExactly(
                        tuple(TaskKind.TASK, 1, AttemptStatus.SUCCEEDED),
                        tuple(TaskKind.COMPENSATION, 1, AttemptStatus.FAILED),
                        tuple(TaskKind.COMPENSATION, 2, AttemptStatus.SUCCEEDED));
    }

    @Test
    void aCompensationFailedForGoodSkipsThoseNotReleasedAndTheWorkflowEndsCompensationFailed() {
        WorkflowDefinition saga = definition(null, compensated("a", null), compensated("b", null, "a"), task("c", "b"));
        ProjectedWorkflow workflow = fold(
                accepted(saga),
                dispatched(1, 1, "a"),
                succeeded("a", 1, "{}", 2),
                dispatched(1, 3, "b"),
                succeeded("b", 1, "{}", 4),
                dispatched(1, 5, "c"),
                failed("c", 1, "BOOM", false, 6),
                new WorkflowCompensating(
                        WF, TaskId.of("c"), "task 'c' failed", List.of(TaskId.of("b"), TaskId.of("a")), at(7)),
                compensationDispatched("b", 1, 8),
                compensationFailed("b", 1, "REFUND_REFUSED", false, 9));

        assertThat(compensations(workflow))
                .containsEntry("b", TaskStatus.FAILED)
                .containsEntry("a", TaskStatus.SKIPPED);
        assertThat(workflow.status()).isEqualTo(WorkflowStatus.COMPENSATING);

        workflow = rules.apply(
                workflow,
                new WorkflowFailed(
                        WF,
                        TaskId.of("c"),
                        "compensation of 'b' failed: REFUND_REFUSED",
                        CompensationOutcome.COMPENSATION_FAILED,
                        at(10)));
        assertThat(workflow.status()).isEqualTo(WorkflowStatus.FAILED);
        assertThat(workflow.compensation()).isEqualTo(CompensationOutcome.COMPENSATION_FAILED);
        assertThat(compensations(workflow))
                .containsEntry("b", TaskStatus.FAILED)
                .containsEntry("a", TaskStatus.SKIPPED);
    }

    @Test
    void aRerunAfterFailureRunsTheTasksThatDidNotSucceedAgainKeepingAttemptsAndOutputs() {
        ProjectedWorkflow failedRun = fold(
                accepted(diamond()),
                dispatched(1, 1, "a"),
                succeeded("a", 1, "{\"kept\":1}", 2),
                dispatched(1, 3, "b", "c"),
                failed("b", 1, "BOOM", false, 4),
                succeeded("c", 1, "{}", 5),
                new WorkflowFailed(WF, TaskId.of("b"), "task 'b' failed", CompensationOutcome.NONE, at(6)));

        ProjectedWorkflow rerun = rules.apply(failedRun, new WorkflowRetryRequested(WF, "fixed", at(7)));

        assertThat(rerun.status()).isEqualTo(WorkflowStatus.RUNNING);
        assertThat(rerun.reason()).isNull();
        assertThat(rerun.failedTask()).isNull();
        assertThat(rerun.finishedAt()).isNull();
        assertThat(rerun.compensation()).isNull();
        assertThat(rerun.updatedAt()).isEqualTo(at(7));
        assertThat(statuses(rerun))
                .containsExactly(
                        Map.entry("a", TaskStatus.SUCCEEDED),
                        Map.entry("b", TaskStatus.WAITING),
                        Map.entry("c", TaskStatus.SUCCEEDED),
                        Map.entry("d", TaskStatus.WAITING));
        assertThat(rerun.tasks().get("a").output()).isEqualTo(json("{\"kept\":1}"));
        ProjectedTask b = rerun.tasks().get("b");
        assertThat(b.attempt()).as("the counter is kept").isEqualTo(1);
        assertThat(b.attempts()).hasSize(1);

        rerun = fold(rerun, dispatched(2, 8, "b"), succeeded("b", 2, "{}", 9));
        assertThat(rerun.tasks().get("b").status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(rerun.tasks().get("b").attempts())
                .extracting(TaskAttempt::attempt)
                .containsExactly(1, 2);
    }

    @Test
    void aRerunAfterCompensationAlsoRunsTheTasksWhoseCompensationUndidThemAndClearsCompensations() {
        WorkflowDefinition saga = definition(null, compensated("a", null), task("b"), task("c", "a", "b"));
        ProjectedWorkflow compensated = fold(
                accepted(saga),
                dispatched(1, 1, "a", "b"),
                succeeded("a", 1, "{}", 2),
                succeeded("b", 1, "{}", 3),
                dispatched(1, 4, "c"),
                failed("c", 1, "BOOM", false, 5),
                new WorkflowCompensating(WF, TaskId.of("c"), "task 'c' failed", List.of(TaskId.of("a")), at(6)),
                compensationDispatched("a", 1, 7),
                compensationSucceeded("a", 1, "{}", 8),
                new WorkflowFailed(WF, TaskId.of("c"), "task 'c' failed", CompensationOutcome.COMPENSATED, at(9)));

        ProjectedWorkflow rerun = rules.apply(compensated, new WorkflowRetryRequested(WF, null, at(10)));

        assertThat(rerun.status()).isEqualTo(WorkflowStatus.RUNNING);
        assertThat(statuses(rerun))
                .containsExactly(
                        Map.entry("a", TaskStatus.WAITING),
                        Map.entry("b", TaskStatus.SUCCEEDED),
                        Map.entry("c", TaskStatus.WAITING));
        assertThat(compensations(rerun).values()).containsOnlyNulls();
        assertThat(rerun.tasks().get("a").attempts()).hasSize(2);
        assertThat(rerun.tasks().get("a").output()).isNull();
    }

    @Test
    void aRerunAfterCancellationRunsTheCancelledAndSkippedTasksAgain() {
        ProjectedWorkflow cancelled = fold(
                accepted(diamond()),
                dispatched(1, 1, "a"),
                started("a", 1, "w", 2),
                new WorkflowCancelled(WF, "user", at(3)),
                failed("a", 1, "CANCELLED", false, 4));
        assertThat(cancelled
                        .tasks()
                        .get("a")
                        .attemptRecord(TaskKind.TASK, 1)
                        .lateResult()
                        .error()
                        .code())
                .isEqualTo("CANCELLED");

        ProjectedWorkflow rerun = rules.apply(cancelled, new WorkflowRetryRequested(WF, null, at(5)));

        assertThat(rerun.status()).isEqualTo(WorkflowStatus.RUNNING);
        assertThat(statuses(rerun).values()).containsOnly(TaskStatus.WAITING);
        rerun = rules.apply(rerun, dispatched(2, 6, "a"));
        assertThat(rerun.tasks().get("a").status()).isEqualTo(TaskStatus.DISPATCHED);
    }

    @Test
    void aRerunRequestIsIgnoredUnlessTheWorkflowFailedOrWasCancelled() {
        ProjectedWorkflow running = fold(accepted(diamond()), dispatched(1, 1, "a"));
        assertThat(rules.apply(running, new WorkflowRetryRequested(WF, null, at(2))))
                .isSameAs(running);
        ProjectedWorkflow succeeded = fold(
                accepted(definition(null, task("a"))),
                dispatched(1, 1, "a"),
                succeeded("a", 1, "{}", 2),
                new WorkflowSucceeded(WF, at(3)));
        assertThat(rules.apply(succeeded, new WorkflowRetryRequested(WF, null, at(4))))
                .isSameAs(succeeded);
    }

    @Test
    void theWorkflowShowsItsOriginAndADeadlineIsHistoryOnly() {
        ProjectedWorkflow fromKafka =
                rules.apply(null, new WorkflowAccepted(WF, diamond(), T0, Origin.kafka("subs", 2, 42)));
        assertThat(fromKafka.origin()).isEqualTo(Origin.kafka("subs", 2, 42));
        ProjectedWorkflow stored =
                rules.apply(stored(diamond()), new WorkflowAccepted(WF, diamond(), at(1), Origin.http()));
        assertThat(stored.origin()).isEqualTo(Origin.http());

        assertThat(rules.apply(fromKafka, new WorkflowTimedOut(WF, at(5), at(5))))
                .isSameAs(fromKafka);
    }

    @Test
    void anAttemptRedeliveredToAnotherWorkerShowsTheNewWorker() {
        ProjectedWorkflow workflow = fold(accepted(diamond()), dispatched(1, 1, "a"), started("a", 1, "w1", 2));

        assertThat(rules.apply(workflow, started("a", 1, "w1", 3))).isSameAs(workflow);
        ProjectedWorkflow moved = rules.apply(workflow, started("a", 1, "w2", 4));
        assertThat(moved.tasks().get("a").workerId()).isEqualTo("w2");
        assertThat(moved.tasks().get("a").startedAt()).isEqualTo(at(4));
        assertThat(moved.tasks().get("a").dispatchedAt()).isEqualTo(at(1));
    }

    @Test
    void updatedAtNeverMovesBackWhenClocksDisagree() {
        ProjectedWorkflow workflow = fold(
                accepted(diamond()), dispatched(1, 10, "a", "b"), started("b", 1, "w", 20), started("a", 1, "w", 15));

        assertThat(workflow.updatedAt()).isEqualTo(at(20));
        assertThat(workflow.tasks().get("a").updatedAt()).isEqualTo(at(15));
    }

    @Test
    void eventsOfAnotherWorkflowAreRefused() {
        ProjectedWorkflow workflow = fold(accepted(diamond()));

        assertThatThrownBy(() -> rules.apply(workflow, new WorkflowSucceeded(WorkflowId.of("other"), at(1))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void redeliveringAnyPartOfTheLogAgainLeavesTheSameState() {
        WorkflowDefinition definition =
                definition(retry(2), task("a"), task("b", "a"), task("c", "a"), task("d", "b", "c"));
        List<WorkflowEvent> log = List.of(
                accepted(definition),
                dispatched(1, 1, "a"),
                started("a", 1, "w", 2),
                failed("a", 1, "HTTP_503", true, 3),
                new TaskRetryDue(WF, TaskId.of("a"), 2, TaskKind.TASK, at(4)),
                dispatched(2, 4, "a"),
                started("a", 2, "w", 5),
                succeeded("a", 2, "{\"v\":2}", 6),
                dispatched(1, 6, "b", "c"),
                started("c", 1, "w", 7),
                started("b", 1, "w", 7),
                succeeded("c", 1, "{}", 8),
                succeeded("b", 1, "{}", 9),
                dispatched(1, 9, "d"),
                started("d", 1, "w", 10),
                succeeded("d", 1, "{}", 11),
                new WorkflowSucceeded(WF, at(11)));
        ProjectedWorkflow expected = rules.applyAll(null, log);
        assertThat(expected.status()).isEqualTo(WorkflowStatus.SUCCEEDED);
        assertThat(statuses(expected).values()).containsOnly(TaskStatus.SUCCEEDED);

        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            // At-least-once delivery: any event may come again, right after itself or later.
            List<WorkflowEvent> delivered = new ArrayList<>();
            for (WorkflowEvent event : log) {
                delivered.add(event);
                if (random.nextInt(3) == 0) {
                    int earlier = random.nextInt(delivered.size());
                    delivered.add(delivered.get(earlier));
                }
            }
            assertThat(rules.applyAll(null, delivered))
                    .as("round %d: %s", round, delivered)
                    .isEqualTo(expected);
        }
        assertThat(rules.applyAll(expected, log)).as("the whole log again").isEqualTo(expected);
    }

    // --- helpers ---

    private TaskStatus statusAfterFailure(WorkflowDefinition definition, int attempt, String code, boolean retryable) {
        ProjectedWorkflow workflow =
                fold(accepted(definition), dispatched(attempt, 1, "a"), failed("a", attempt, code, retryable, 2));
        return workflow.tasks().get("a").status();
    }

    private ProjectedWorkflow fold(WorkflowEvent... events) {
        ProjectedWorkflow workflow = rules.applyAll(null, Arrays.asList(events));
        assertThat(workflow).isNotNull();
        return workflow;
    }

    private static Map<String, TaskStatus> statuses(ProjectedWorkflow workflow) {
        Map<String, TaskStatus> statuses = new java.util.LinkedHashMap<>();
        workflow.tasks().forEach((id, task) -> statuses.put(id, task.status()));
        return statuses;
    }

    /** A workflow as the intake stores it: ACCEPTED, tasks WAITING, definition not loaded. */
    private static ProjectedWorkflow stored(WorkflowDefinition definition) {
        Map<String, ProjectedTask> tasks = new java.util.LinkedHashMap<>();
        definition.tasks().forEach(task -> tasks.put(task.id().value(), ProjectedTask.waiting(task.type(), T0)));
        return new ProjectedWorkflow(
                WF.value(), WorkflowStatus.ACCEPTED, T0, T0, null, null, null, null, null, null, tasks, null);
    }

    private ProjectedWorkflow fold(ProjectedWorkflow workflow, WorkflowEvent... events) {
        return rules.applyAll(workflow, Arrays.asList(events));
    }

    private static Map<String, @Nullable TaskStatus> compensations(ProjectedWorkflow workflow) {
        Map<String, @Nullable TaskStatus> statuses = new java.util.LinkedHashMap<>();
        workflow.tasks()
                .forEach((id, task) -> statuses.put(
                        id,
                        task.compensation() == null ? null : task.compensation().status()));
        return statuses;
    }

    private static TaskDefinition compensated(String id, @Nullable RetryPolicy retry, String... dependsOn) {
        return new TaskDefinition(
                TaskId.of(id),
                "noop",
                null,
                dependsOn.length == 0
                        ? null
                        : Arrays.stream(dependsOn).map(TaskId::of).toList(),
                null,
                null,
                new Compensation("undo", null, retry));
    }

    private static TasksDispatched compensationDispatched(String task, int attempt, int second) {
        return new TasksDispatched(
                WF,
                List.of(new DispatchedTask(TaskId.of(task), "undo", attempt, TaskKind.COMPENSATION, null)),
                at(second));
    }

    private static TaskStarted compensationStarted(String task, int attempt, int second) {
        return new TaskStarted(WF, TaskId.of(task), attempt, TaskKind.COMPENSATION, "w", at(second));
    }

    private static TaskSucceeded compensationSucceeded(String task, int attempt, String output, int second) {
        return new TaskSucceeded(WF, TaskId.of(task), attempt, TaskKind.COMPENSATION, json(output), "w", at(second));
    }

    private static TaskFailed compensationFailed(String task, int attempt, String code, boolean retryable, int second) {
        return new TaskFailed(
                WF, TaskId.of(task), attempt, TaskKind.COMPENSATION, code, "failed", retryable, "w", at(second));
    }

    private static WorkflowDefinition diamond() {
        return definition(null, task("a"), task("b", "a"), task("c", "a"), task("d", "b", "c"));
    }

    private static WorkflowDefinition definition(@Nullable RetryPolicy defaults, TaskDefinition... tasks) {
        return new WorkflowDefinition(
                "wf", null, Map.of(), null, defaults == null ? null : new TaskDefaults(defaults, null), List.of(tasks));
    }

    private static RetryPolicy retry(int maxAttempts) {
        return new RetryPolicy(maxAttempts, Duration.ofSeconds(1), null, null, null, null);
    }

    private static TaskDefinition task(String id, String... dependsOn) {
        return new TaskDefinition(
                TaskId.of(id),
                "noop",
                null,
                dependsOn.length == 0
                        ? null
                        : Arrays.stream(dependsOn).map(TaskId::of).toList(),
                null,
                null,
                null);
    }

    private static Instant at(int seconds) {
        return T0.plusSeconds(seconds);
    }

    private static WorkflowAccepted accepted(WorkflowDefinition definition) {
        return new WorkflowAccepted(WF, definition, T0);
    }

    private static TasksDispatched dispatched(int attempt, int second, String... taskIds) {
        return new TasksDispatched(
                WF,
                Arrays.stream(taskIds)
                        .map(id -> new DispatchedTask(TaskId.of(id), "noop", attempt, TaskKind.TASK, null))
                        .toList(),
                at(second));
    }

    private static TaskStarted started(String task, int attempt, String worker, int second) {
        return new TaskStarted(WF, TaskId.of(task), attempt, TaskKind.TASK, worker, at(second));
    }

    private static TaskSucceeded succeeded(String task, int attempt, String output, int second) {
        return new TaskSucceeded(WF, TaskId.of(task), attempt, TaskKind.TASK, json(output), "w", at(second));
    }

    private static TaskFailed failed(String task, int attempt, String code, boolean retryable, int second) {
        return new TaskFailed(WF, TaskId.of(task), attempt, TaskKind.TASK, code, "failed", retryable, "w", at(second));
    }

    private static TaskTimedOut timedOut(String task, int attempt, TimeoutKind kind, int second) {
        return new TaskTimedOut(WF, TaskId.of(task), attempt, TaskKind.TASK, kind, at(second));
    }

    private static JsonNode json(String text) {
        return EventCodec.json().readTree(text.getBytes(StandardCharsets.UTF_8));
    }
}
