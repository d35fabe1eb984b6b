package dev.tributary.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TaskFailed;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.TasksDispatched;
import dev.tributary.events.history.WorkflowEvent.WorkflowCancelRequested;
import dev.tributary.testsupport.TributaryClient.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue 5 through the public API on the real services: retries, timeouts, failure propagation,
 * cancellation, compensation and rerun (docs/failure-semantics.md). The history topic is the
 * witness for what ran when.
 */
class FailureSemanticsIntegrationTests {

    private static TestSystem system;
    private static History history;

    @BeforeAll
    static void start() {
        system = TestSystem.start("failures");
        history = new History(system.history());
    }

    @AfterAll
    static void stop() {
        history.close();
        system.close();
    }

    @Test
    void taskThatFailsTwiceThenSucceedsShowsEveryAttempt() {
        Workflow workflow = system.client.submit("""
                {"name": "flaky", "tasks": [
                  {"id": "flaky", "type": "fail",
                   "input": {"code": "UPSTREAM_BUSY", "retryable": true, "succeedOnAttempt": 3},
                   "retry": {"maxAttempts": 5, "initialBackoff": "PT0.1S", "backoffMultiplier": 2.0}},
                  {"id": "after", "type": "noop", "dependsOn": ["flaky"]}]}
                """);

        workflow.awaitStatus("SUCCEEDED");

        JsonNode flaky = workflow.task("flaky");
        assertThat(flaky.get("attempt").asInt()).isEqualTo(3);
        List<JsonNode> attempts = attemptsOf(flaky);
        assertThat(attempts).hasSize(3);
        assertThat(attempts.get(0).at("/error/code").asString()).isEqualTo("UPSTREAM_BUSY");
        assertThat(attempts.get(1).at("/error/code").asString()).isEqualTo("UPSTREAM_BUSY");
        assertThat(attempts.get(2).get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(attempts).allSatisfy(attempt -> {
            assertThat(attempt.get("workerId").asString()).isNotBlank();
            assertThat(attempt.get("startedAt")).isNotNull();
            assertThat(attempt.get("finishedAt")).isNotNull();
        });
        assertThat(events(history.awaitFinished(workflow.id()), WorkflowEvent.TaskRetryDue.class))
                .as("each retry released by a timer event on the log")
                .hasSize(2);
    }

    @Test
    void failureSkipsItsDownstreamWhileAnIndependentBranchFinishes() {
        Workflow workflow = system.client.submit("""
                {"name": "propagation", "tasks": [
                  {"id": "a", "type": "noop"},
                  {"id": "b", "type": "fail", "dependsOn": ["a"],
                   "input": {"code": "BROKEN", "message": "always fails"}},
                  {"id": "c", "type": "sleep", "dependsOn": ["a"], "input": {"duration": "PT5S"}},
                  {"id": "d", "type": "noop", "dependsOn": ["b", "c"]},
                  {"id": "e", "type": "noop", "dependsOn": ["c"]}]}
                """);

        JsonNode failed = workflow.awaitStatus("FAILED");

        assertThat(workflow.taskStatus("b")).isEqualTo("FAILED");
        assertThat(workflow.taskStatus("d")).isEqualTo("SKIPPED");
        assertThat(workflow.taskStatus("c")).isEqualTo("SUCCEEDED");
        assertThat(workflow.taskStatus("e")).isEqualTo("SUCCEEDED");
        assertThat(failed.get("failedTask").asString()).isEqualTo("b");
        assertThat(failed.get("reason").asString()).contains("'b'").contains("BROKEN");

        List<History.Entry> log = history.awaitFinished(workflow.id());
        int bFailed = indexOf(
                log, e -> e instanceof TaskFailed f && f.taskId().value().equals("b"));
        int eStarted = indexOf(
                log, e -> e instanceof TaskStarted s && s.taskId().value().equals("e"));
        // c's sleep is long enough that b (released with it) fails first even on a stalled machine.
        assertThat(eStarted)
                .as("the independent branch was released after b had failed")
                .isGreaterThan(bFailed);
        assertThat(released(log)).doesNotContain("d");
    }

    @Test
    void nonRetryableFailuresFailAtOnce() {
        Workflow workflow = system.client.submit("""
                {"name": "non-retryable", "tasks": [
                  {"id": "declined", "type": "fail",
                   "input": {"code": "PAYMENT_DECLINED", "retryable": true},
                   "retry": {"maxAttempts": 5, "initialBackoff": "PT0.1S",
                             "nonRetryableErrorCodes": ["PAYMENT_DECLINED"]}},
                  {"id": "permanent", "type": "fail", "input": {"code": "BAD_CARD", "retryable": false},
                   "retry": {"maxAttempts": 5, "initialBackoff": "PT0.1S"}}]}
                """);

        workflow.awaitStatus("FAILED");

        for (String task : List.of("declined", "permanent")) {
            JsonNode view = workflow.task(task);
            assertThat(view.get("status").asString()).as(task).isEqualTo("FAILED");
            assertThat(view.get("attempt").asInt()).as(task).isEqualTo(1);
            assertThat(attemptsOf(view)).as(task).hasSize(1);
        }
    }

    @Test
    void hungAttemptTimesOutAndItsRetrySucceeds() {
        Workflow workflow = system.client.submit("""
                {"name": "hung", "tasks": [
                  {"id": "hung", "type": "sleep", "input": {"duration": "PT10M", "wakeFromAttempt": 2},
                   "timeout": {"startToClose": "PT6S"},
                   "retry": {"maxAttempts": 3, "initialBackoff": "PT0.1S"}}]}
                """);

        workflow.awaitStatus("SUCCEEDED");

        JsonNode hung = workflow.task("hung");
        assertThat(hung.get("attempt").asInt()).isEqualTo(2);
        // Whichever notices first ends attempt 1: the worker interrupting the handler at the
        // deadline it was given, or the scheduler's start-to-close timer.
        assertThat(attemptsOf(hung).getFirst().at("/error/code").asString()).isIn("DEADLINE_EXCEEDED", "TIMEOUT");
        List<History.Entry> log = history.awaitFinished(workflow.id());
        assertThat(events(log, TaskStarted.class))
                .extracting(TaskStarted::attempt)
                .containsExactly(1, 2);
    }

    @Test
    void workflowDeadlineFailsTheWorkflowAndStopsItsRunningTask() {
        Workflow workflow = system.client.submit("""
                {"name": "deadline", "timeout": "PT3S", "tasks": [
                  {"id": "long", "type": "sleep", "input": {"duration": "PT10M"}},
                  {"id": "next", "type": "noop", "dependsOn": ["long"]}]}
                """);

        JsonNode failed = workflow.awaitStatus("FAILED");

        assertThat(failed.get("reason").asString()).contains("deadline");
        assertThat(workflow.taskStatus("long")).isEqualTo("CANCELLED");
        assertThat(workflow.taskStatus("next")).isEqualTo("SKIPPED");
        assertThat(events(history.awaitFinished(workflow.id()), WorkflowEvent.WorkflowTimedOut.class))
                .hasSize(1);
        awaitCancelledByWorker(workflow.id(), "long");
    }

    @Test
    void cancelStopsRunningHandlersAndReleasesNothingAfterwards() {
        Workflow workflow = system.client.submit("""
                {"name": "to-cancel", "tasks": [
                  {"id": "left", "type": "sleep", "input": {"duration": "PT10M"}},
                  {"id": "right", "type": "sleep", "input": {"duration": "PT10M"}},
                  {"id": "join", "type": "noop", "dependsOn": ["left", "right"]}]}
                """);
        Awaitility.await("both branches running")
                .atMost(Duration.ofSeconds(120))
                .ignoreExceptions()
                .until(() -> workflow.taskStatus("left").equals("RUNNING")
                        && workflow.taskStatus("right").equals("RUNNING"));

        assertThat(workflow.cancel("no longer needed").statusCode()).isEqualTo(202);
        JsonNode cancelled = workflow.awaitStatus("CANCELLED");

        assertThat(cancelled.get("reason").asString()).contains("no longer needed");
        assertThat(workflow.taskStatus("left")).isEqualTo("CANCELLED");
        assertThat(workflow.taskStatus("right")).isEqualTo("CANCELLED");
        assertThat(workflow.taskStatus("join")).isEqualTo("SKIPPED");
        awaitCancelledByWorker(workflow.id(), "left");
        awaitCancelledByWorker(workflow.id(), "right");
        List<History.Entry> log = history.awaitFinished(workflow.id());
        int requested = indexOf(log, e -> e instanceof WorkflowCancelRequested);
        assertThat(log.subList(requested, log.size()))
                .as("nothing released after the cancellation request")
                .noneMatch(entry -> entry.event() instanceof TasksDispatched);
        assertThat(workflow.cancel(null).statusCode())
                .as("cancelling twice is harmless")
                .isEqualTo(202);
    }

    @Test
    void compensationsRunInReverseOrderWithTheTaskInputAndOutput() {
        Workflow workflow = system.client.submit("""
                {"name": "saga", "tasks": [
                  {"id": "reserve", "type": "echo", "input": {"item": "book"},
                   "compensation": {"type": "echo", "input": {"undo": "reserve"}}},
                  {"id": "charge", "type": "echo", "dependsOn": ["reserve"], "input": {"amount": 12},
                   "compensation": {"type": "echo", "input": {"undo": "charge"}}},
                  {"id": "ship", "type": "fail", "dependsOn": ["charge"],
                   "input": {"code": "NO_COURIER"}}]}
                """);

        JsonNode failed = workflow.awaitStatus("FAILED");

        assertThat(failed.get("compensation").asString()).isEqualTo("COMPENSATED");
        List<History.Entry> log = history.awaitFinished(workflow.id());
        assertThat(events(log, WorkflowEvent.WorkflowCompensating.class))
                .singleElement()
                .satisfies(compensating -> assertThat(compensating.compensationOrder())
                        .extracting(id -> id.value())
                        .containsExactly("charge", "reserve"));
        int chargeUndone = indexOf(
                log,
                e -> e instanceof TaskSucceeded s
                        && s.kind() == TaskKind.COMPENSATION
                        && s.taskId().value().equals("charge"));
        int reserveUndoStarted = indexOf(
                log,
                e -> e instanceof TaskStarted s
                        && s.kind() == TaskKind.COMPENSATION
                        && s.taskId().value().equals("reserve"));
        assertThat(reserveUndoStarted)
                .as("reserve is undone only after charge was")
                .isGreaterThan(chargeUndone);
        TaskSucceeded reserveUndone = events(log, TaskSucceeded.class).stream()
                .filter(s ->
                        s.kind() == TaskKind.COMPENSATION && s.taskId().value().equals("reserve"))
                .findFirst()
                .orElseThrow();
        String echoed = String.valueOf(reserveUndone.output());
        assertThat(echoed)
                .as("the compensation received its own input and the task's input and output")
                .contains("\"undo\":\"reserve\"")
                .contains("\"item\":\"book\"");
        assertThat(workflow.taskStatus("ship")).isEqualTo("FAILED");
    }

    @Test
    void rerunAfterFailureKeepsSucceededOutputsAndSucceeds() {
        Workflow workflow = system.client.submit("""
                {"name": "rerun", "tasks": [
                  {"id": "first", "type": "echo", "input": {"n": 1}},
                  {"id": "flaky", "type": "fail", "dependsOn": ["first"],
                   "input": {"code": "DOWN", "retryable": true, "succeedOnAttempt": 2},
                   "retry": {"maxAttempts": 1}},
                  {"id": "last", "type": "noop", "dependsOn": ["flaky"]}]}
                """);
        workflow.awaitStatus("FAILED");
        JsonNode firstOutput = workflow.task("first").get("output");

        assertThat(workflow.retry("dependency fixed").statusCode()).isEqualTo(202);
        workflow.awaitStatus("SUCCEEDED");

        JsonNode first = workflow.task("first");
        assertThat(first.get("attempt").asInt()).as("succeeded tasks are kept").isEqualTo(1);
        assertThat(first.get("output")).isEqualTo(firstOutput);
        assertThat(workflow.task("flaky").get("attempt").asInt()).isEqualTo(2);
        assertThat(workflow.taskStatus("last")).isEqualTo("SUCCEEDED");
        assertThat(workflow.retry(null).statusCode())
                .as("a succeeded workflow cannot be rerun")
                .isEqualTo(409);
    }

    /** Waits until the worker reports the task's attempt stopped by a cancellation. */
    private static void awaitCancelledByWorker(String workflowId, String taskId) {
        Awaitility.await("worker stopped " + taskId)
                .atMost(Duration.ofSeconds(120))
                .until(() -> events(workflowId, TaskFailed.class).stream()
                        .anyMatch(f -> f.taskId().value().equals(taskId)
                                && f.errorCode().equals("CANCELLED")));
    }

    private static List<JsonNode> attemptsOf(JsonNode task) {
        List<JsonNode> attempts = new ArrayList<>();
        task.get("attempts").forEach(attempts::add);
        return attempts;
    }

    private static <T extends WorkflowEvent> List<T> events(String workflowId, Class<T> type) {
        return events(history.of(workflowId), type);
    }

    private static <T extends WorkflowEvent> List<T> events(List<History.Entry> log, Class<T> type) {
        return log.stream()
                .map(History.Entry::event)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }

    private static int indexOf(List<History.Entry> log, Predicate<WorkflowEvent> matches) {
        for (int i = 0; i < log.size(); i++) {
            if (matches.test(log.get(i).event())) {
                return i;
            }
        }
        throw new AssertionError("no such event in " + log);
    }

    private static List<String> released(List<History.Entry> log) {
        return events(log, TasksDispatched.class).stream()
                .flatMap(d -> d.tasks().stream())
                .map(t -> t.taskId().value())
                .toList();
    }
}
