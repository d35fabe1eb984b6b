package dev.tributary.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.history.WorkflowEvent.TaskFailed;
import dev.tributary.events.history.WorkflowEvent.TasksDispatched;
import dev.tributary.testsupport.TributaryClient.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue 7 §3: the scheduler's state and the projection are functions of the history log. Folding the
 * log again after a wipe (the admin rebuild) gives the same state as the live fold did, re-emits
 * nothing the log already holds, and loses none of the workflows submitted while it runs.
 */
class RebuildIntegrationTests {

    /**
     * A cancelled workflow is final before the worker has reported its interrupted attempt; that
     * report still changes the projection, so the snapshot waits for it rather than for a quiet
     * spell alone.
     */
    private static void awaitWorkersStoppedCancelledTasks(TestSystem system, List<Expected> mix) {
        try (History history = new History(system.history())) {
            for (Expected expected : mix) {
                if (!expected.status().equals("CANCELLED")) {
                    continue;
                }
                String id = expected.workflow().id();
                Awaitility.await("the worker's report of the cancelled attempt of " + id)
                        .atMost(Duration.ofSeconds(120))
                        .until(() -> history.of(id).stream()
                                .anyMatch(entry -> entry.event() instanceof TaskFailed failed
                                        && failed.errorCode().equals("CANCELLED")));
            }
        }
    }

    /** How the workflows of the mix are expected to end. */
    private record Expected(Workflow workflow, String status) {}

    @Test
    void rebuildingBothStatesFromTheLogGivesTheSameSnapshots() {
        try (TestSystem system = TestSystem.start("determinism")) {
            Rebuilds rebuilds = new Rebuilds(system);
            List<Expected> mix = submitMix(system);
            for (Expected expected : mix) {
                expected.workflow().awaitStatus(expected.status(), Duration.ofSeconds(240));
            }
            awaitWorkersStoppedCancelledTasks(system, mix);
            rebuilds.awaitQuiet();
            Map<String, List<String>> scheduler = StateSnapshot.of(system, StateSnapshot.SCHEDULER);
            Map<String, List<String>> projection = StateSnapshot.of(system, StateSnapshot.PROJECTION);
            long decisions = StateSnapshot.number(system, "SELECT count(*) FROM scheduler.outbox");
            assertThat(scheduler.get("scheduler.workflow_run")).hasSize(mix.size());
            assertThat(projection.get("submission.workflow")).hasSize(mix.size());

            JsonNode started = rebuilds.startScheduler();
            rebuilds.startProjection(null);
            assertThat(started.get("state").asString()).isIn("RUNNING", "FINISHED");
            rebuilds.awaitFinished();
            rebuilds.awaitQuiet();

            JsonNode status = rebuilds.schedulerStatus();
            assertThat(status.get("replayed").asLong())
                    .as("every record of the log replayed")
                    .isEqualTo(status.get("total").asLong())
                    .isPositive();
            assertThat(StateSnapshot.of(system, StateSnapshot.SCHEDULER)).isEqualTo(scheduler);
            assertThat(StateSnapshot.of(system, StateSnapshot.PROJECTION)).isEqualTo(projection);
            assertThat(StateSnapshot.number(system, "SELECT count(*) FROM scheduler.outbox"))
                    .as("the replay emitted no decision: every one is on the log already")
                    .isEqualTo(decisions);
        }
    }

    /** The most workflows the load submits: it runs unpaced, so it must stop somewhere. */
    private static final int LOAD_LIMIT = 300;

    @Test
    void workflowsSubmittedDuringARebuildAllRunOnce() throws Exception {
        // A short relay heartbeat: the rebuild's wait for the outbox is over in well under a second.
        try (TestSystem system =
                        TestSystem.start("rebuild-live", Map.of("tributary.outbox.heartbeat-interval", "200ms"));
                History history = new History(system.history())) {
            Rebuilds rebuilds = new Rebuilds(system);
            List<Workflow> submitted = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 40; i++) {
                submitted.add(system.client.submit(Dags.diamond("echo").json()));
            }
            AtomicBoolean submitting = new AtomicBoolean(true);
            ExecutorService executor = Executors.newSingleThreadExecutor();
            CompletableFuture<Void> load = CompletableFuture.runAsync(
                    () -> {
                        while (submitting.get() && submitted.size() < LOAD_LIMIT) {
                            submitted.add(
                                    system.client.submit(Dags.chain(3, "echo").json()));
                        }
                    },
                    executor);
            int beforeRebuild;
            int afterRebuild;
            try {
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> submitted.size() >= 60);
                beforeRebuild = submitted.size();
                rebuilds.startScheduler();
                rebuilds.startProjection(null);
                rebuilds.awaitFinished();
                afterRebuild = submitted.size();
            } finally {
                submitting.set(false);
                load.get();
                executor.shutdown();
            }

            assertThat(afterRebuild)
                    .as("workflows were submitted while the rebuilds ran")
                    .isGreaterThan(beforeRebuild);
            for (Workflow workflow : submitted) {
                workflow.awaitStatus("SUCCEEDED", Duration.ofSeconds(240));
                assertReleasedOncePerAttempt(history.awaitFinished(workflow.id()));
            }
        }
    }

    /** Every task attempt appears in one release (ce_id); a redelivered record repeats its ce_id. */
    private static void assertReleasedOncePerAttempt(List<History.Entry> log) {
        Map<String, String> releaseOf = new HashMap<>();
        for (History.Entry entry : log) {
            if (entry.event() instanceof TasksDispatched dispatched) {
                for (var task : dispatched.tasks()) {
                    String attempt = task.taskId().value() + "/" + task.kind() + "/" + task.attempt();
                    String first = releaseOf.putIfAbsent(attempt, entry.ceId());
                    assertThat(first == null || first.equals(entry.ceId()))
                            .as("attempt %s released by %s and again by %s", attempt, first, entry.ceId())
                            .isTrue();
                }
            }
        }
    }

    /**
     * 300 workflows: plain successes, retries, timeouts that a retry survives, failures that
     * compensate, and cancellations of running work.
     */
    private static List<Expected> submitMix(TestSystem system) {
        List<Expected> mix = new ArrayList<>();
        for (int i = 0; i < 140; i++) {
            mix.add(new Expected(system.client.submit(Dags.diamond("echo").json()), "SUCCEEDED"));
        }
        for (int i = 0; i < 50; i++) {
            mix.add(new Expected(system.client.submit("""
                    {"name": "retry-%d", "tasks": [
                      {"id": "flaky", "type": "fail",
                       "input": {"code": "BUSY", "retryable": true, "succeedOnAttempt": 2 },
                       "retry": {"maxAttempts": 3, "initialBackoff": "PT0.1S"}},
                      {"id": "after", "type": "echo", "dependsOn": ["flaky"]}]}
                    """.formatted(i)), "SUCCEEDED"));
        }
        for (int i = 0; i < 30; i++) {
            mix.add(new Expected(system.client.submit("""
                    {"name": "timeout-%d", "tasks": [
                      {"id": "hung", "type": "sleep", "input": {"duration": "PT10M", "wakeFromAttempt": 2},
                       "timeout": {"startToClose": "PT5S"},
                       "retry": {"maxAttempts": 4, "initialBackoff": "PT0.1S"}}]}
                    """.formatted(i)), "SUCCEEDED"));
        }
        for (int i = 0; i < 40; i++) {
            mix.add(new Expected(system.client.submit("""
                    {"name": "saga-%d", "tasks": [
                      {"id": "reserve", "type": "echo", "input": {"n": %d},
                       "compensation": {"type": "echo", "input": {"action": "release"}}},
                      {"id": "charge", "type": "echo", "dependsOn": ["reserve"],
                       "compensation": {"type": "echo", "input": {"action": "refund"}}},
                      {"id": "ship", "type": "fail", "dependsOn": ["charge"],
                       "input": {"code": "NO_COURIER", "retryable": true},
                       "retry": {"maxAttempts": 2, "initialBackoff": "PT0.1S"}}]}
                    """.formatted(i, i)), "FAILED"));
        }
        List<Workflow> toCancel = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            toCancel.add(system.client.submit("""
                    {"name": "cancel-%d", "tasks": [
                      {"id": "wait", "type": "sleep", "input": {"duration": "PT10M"}},
                      {"id": "then", "type": "echo", "dependsOn": ["wait"]}]}
                    """.formatted(i)));
        }
        for (Workflow workflow : toCancel) {
            Awaitility.await("a sleep of " + workflow.id() + " running")
                    .atMost(Duration.ofSeconds(120))
                    .until(() -> "RUNNING".equals(workflow.taskStatus("wait")));
            assertThat(workflow.cancel("rebuild test").statusCode()).isEqualTo(202);
            mix.add(new Expected(workflow, "CANCELLED"));
        }
        return mix;
    }
}
