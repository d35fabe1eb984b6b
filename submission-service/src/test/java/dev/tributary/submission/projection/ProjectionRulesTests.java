package dev.tributary.submission.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.RetryPolicy;
import dev.tributary.events.definition.TaskDefaults;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
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
        assertThat(rules.apply(timedOut, succeeded("a", 1, "{}", 4)))
                .as("a late result of the timed-out attempt")
                .isSameAs(timedOut);
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
        assertThat(rules.apply(workflow, succeeded("d", 1, "{}", 6)))
                .as("results after the end")
                .isSameAs(workflow);
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
        assertThat(rules.apply(compensating, succeeded("c", 1, "{}", 5))).isSameAs(compensating);
        ProjectedWorkflow failed = rules.apply(
                compensating,
                new WorkflowFailed(WF, TaskId.of("b"), "task 'b' failed", CompensationOutcome.COMPENSATED, at(6)));
        assertThat(failed.status()).isEqualTo(WorkflowStatus.FAILED);
        assertThat(failed.finishedAt()).isEqualTo(at(6));
    }

    @Test
    void compensationAttemptsAreHistoryOnly() {
        ProjectedWorkflow workflow = fold(accepted(diamond()), dispatched(1, 1, "a"));

        assertThat(rules.apply(workflow, new TaskStarted(WF, TaskId.of("a"), 1, TaskKind.COMPENSATION, "w", at(2))))
                .isSameAs(workflow);
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
        return new ProjectedWorkflow(WF.value(), WorkflowStatus.ACCEPTED, T0, T0, null, null, null, null, tasks, null);
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
