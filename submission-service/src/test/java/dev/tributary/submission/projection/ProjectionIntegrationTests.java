package dev.tributary.submission.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.codec.EventEnvelope;
import dev.tributary.events.definition.Compensation;
import dev.tributary.events.definition.RetryPolicy;
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
import dev.tributary.events.history.WorkflowEvent.WorkflowCompensating;
import dev.tributary.events.history.WorkflowEvent.WorkflowFailed;
import dev.tributary.events.history.WorkflowEvent.WorkflowRetryRequested;
import dev.tributary.events.history.WorkflowEvent.WorkflowSucceeded;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.submission.ApiClient;
import dev.tributary.submission.HistoryLog;
import dev.tributary.submission.HistoryLog.Sent;
import dev.tributary.testsupport.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The status projection against a real broker and a real PostgreSQL: history events are produced
 * onto a history topic of this class's own the way the relays and the workers produce them, and
 * the read API shows what they say.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ProjectionIntegrationTests {

    private static final HistoryLog LOG = new HistoryLog("projection_it", 3);
    private static final EventCodec CODEC = EventCodec.json();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        LOG.register(registry, "projection_it");
    }

    @AfterAll
    static void closeProducer() {
        LOG.close();
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ProjectionConsumer consumer;

    @Autowired
    MeterRegistry meters;

    ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    @Test
    void aWorkflowSubmittedOverHttpShowsLiveStatusesTimesOutputsAndWhichTypeIsWaiting() {
        String id = TestInfra.uniqueName("http-wf");
        ApiClient.Response created = api.submit("""
                {"id": "%s", "name": "two steps", "tasks": [
                  {"id": "a", "type": "noop"},
                  {"id": "b", "type": "report.render", "dependsOn": ["a"]}]}
                """.formatted(id));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("status").asString()).isEqualTo("ACCEPTED");
        assertThat(created.json().get("tasks").get(0).get("status").asString()).isEqualTo("WAITING");

        Sent accepted = relayOutboxRow(id);
        awaitStatus(id, "RUNNING");
        Instant deadline = Instant.parse("2030-01-01T00:00:00Z");
        WorkflowId wf = WorkflowId.of(id);
        Sent dispatchedA = LOG.send(dispatched(wf, 1, deadline, "a"));
        Sent startedA = LOG.send(new TaskStarted(wf, TaskId.of("a"), 1, TaskKind.TASK, "worker-1", now()));
        Sent succeededA = LOG.send(
                new TaskSucceeded(wf, TaskId.of("a"), 1, TaskKind.TASK, json("{\"rows\":42}"), "worker-1", now()));
        Sent dispatchedB = LOG.send(dispatched(wf, 1, null, "b"));
        LOG.awaitCaughtUp(jdbc);

        JsonNode workflow = api.getWorkflow(id).json();
        assertThat(workflow.get("status").asString()).isEqualTo("RUNNING");
        assertThat(Instant.parse(workflow.get("startedAt").asString())).isEqualTo(instantOf(accepted));
        JsonNode a = workflow.get("tasks").get(0);
        assertThat(a.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(a.get("attempt").asInt()).isEqualTo(1);
        assertThat(a.get("output")).isEqualTo(json("{\"rows\":42}"));
        assertThat(a.get("workerId").asString()).isEqualTo("worker-1");
        assertThat(Instant.parse(a.get("dispatchedAt").asString()))
                .isEqualTo(((TasksDispatched) dispatchedA.envelope().payload()).dispatchedAt());
        assertThat(Instant.parse(a.get("deadline").asString())).isEqualTo(deadline);
        assertThat(Instant.parse(a.get("startedAt").asString()))
                .isEqualTo(((TaskStarted) startedA.envelope().payload()).startedAt());
        assertThat(Instant.parse(a.get("finishedAt").asString()))
                .isEqualTo(((TaskSucceeded) succeededA.envelope().payload()).finishedAt());
        JsonNode b = workflow.get("tasks").get(1);
        assertThat(b.get("status").asString()).isEqualTo("DISPATCHED");
        assertThat(b.get("type").asString()).isEqualTo("report.render");
        assertThat(b.has("startedAt")).isFalse();
        JsonNode waiting = workflow.get("waitingOn");
        assertThat(waiting.size()).isOne();
        assertThat(waiting.get(0).get("taskId").asString()).isEqualTo("b");
        assertThat(waiting.get(0).get("type").asString()).isEqualTo("report.render");
        assertThat(waiting.get(0).get("attempt").asInt()).isEqualTo(1);
        assertThat(Instant.parse(waiting.get(0).get("since").asString()))
                .isEqualTo(((TasksDispatched) dispatchedB.envelope().payload()).dispatchedAt());

        Sent startedB = LOG.send(new TaskStarted(wf, TaskId.of("b"), 1, TaskKind.TASK, "worker-2", now()));
        Sent succeededB =
                LOG.send(new TaskSucceeded(wf, TaskId.of("b"), 1, TaskKind.TASK, json("\"done\""), "worker-2", now()));
        Sent finished = LOG.send(new WorkflowSucceeded(wf, now()));
        awaitStatus(id, "SUCCEEDED");

        workflow = api.getWorkflow(id).json();
        assertThat(Instant.parse(workflow.get("finishedAt").asString()))
                .isEqualTo(((WorkflowSucceeded) finished.envelope().payload()).finishedAt());
        assertThat(workflow.get("waitingOn").isEmpty()).isTrue();
        assertThat(workflow.get("tasks").valueStream().map(t -> t.get("status").asString()))
                .containsExactly("SUCCEEDED", "SUCCEEDED");
        assertThat(workflow.get("tasks").get(1).get("output").asString()).isEqualTo("done");

        List<Sent> history =
                List.of(accepted, dispatchedA, startedA, succeededA, dispatchedB, startedB, succeededB, finished);
        JsonNode events = api.get("/api/v1/workflows/" + id + "/events").json();
        assertThat(events.valueStream().map(e -> e.get("id").asString()))
                .containsExactlyElementsOf(
                        history.stream().map(s -> s.envelope().id().toString()).toList());
        assertThat(events.valueStream().map(e -> e.get("type").asString()))
                .containsExactlyElementsOf(
                        history.stream().map(s -> s.envelope().type()).toList());
        JsonNode first = events.get(0);
        assertThat(first.get("source").asString()).isEqualTo("/tributary/submission");
        assertThat(CODEC.treeToValue(first.get("data"), WorkflowAccepted.class))
                .isEqualTo(accepted.envelope().payload());
        assertThat(CODEC.treeToValue(events.get(3).get("data"), TaskSucceeded.class))
                .isEqualTo(succeededA.envelope().payload());
        assertThat(Instant.parse(events.get(3).get("time").asString()))
                .isEqualTo(succeededA.envelope().time());
    }

    @Test
    void theReadApiShowsAttemptsLateResultsPropagationCompensationOriginAndARerun() {
        WorkflowId wf = WorkflowId.of(TestInfra.uniqueName("saga"));
        TaskId a = TaskId.of("a");
        TaskId b = TaskId.of("b");
        WorkflowDefinition saga = new WorkflowDefinition(
                "saga",
                null,
                Map.of(),
                null,
                null,
                List.of(
                        new TaskDefinition(a, "charge", null, null, null, null, new Compensation("refund", null, null)),
                        new TaskDefinition(
                                b,
                                "ship",
                                null,
                                List.of(a),
                                new RetryPolicy(2, null, null, null, null, null),
                                null,
                                null),
                        task("c", "notify", "b")));
        LOG.send(new WorkflowAccepted(wf, saga, now(), Origin.kafka("orders", 1, 7)));
        LOG.send(dispatched(wf, 1, null, "a"));
        LOG.send(new TaskSucceeded(wf, a, 1, TaskKind.TASK, json("{\"charged\":10}"), "w1", now()));
        LOG.send(dispatched(wf, 1, null, "b"));
        LOG.send(new TaskStarted(wf, b, 1, TaskKind.TASK, "w1", now()));
        LOG.send(new TaskTimedOut(wf, b, 1, TaskKind.TASK, TimeoutKind.START_TO_CLOSE, now()));
        LOG.send(new TaskSucceeded(wf, b, 1, TaskKind.TASK, json("{}"), "w1", now())); // late
        LOG.send(new TaskRetryDue(wf, b, 2, TaskKind.TASK, now()));
        LOG.send(dispatched(wf, 2, null, "b"));
        LOG.send(new TaskFailed(wf, b, 2, TaskKind.TASK, "NO_STOCK", "out of stock", false, "w2", now()));
        LOG.send(new WorkflowCompensating(wf, b, "task 'b' failed: NO_STOCK", List.of(a), now()));
        LOG.send(new TasksDispatched(
                wf, List.of(new DispatchedTask(a, "refund", 1, TaskKind.COMPENSATION, null)), now()));
        LOG.awaitCaughtUp(jdbc);

        JsonNode compensating = api.getWorkflow(wf.value()).json();
        assertThat(compensating.get("status").asString()).isEqualTo("COMPENSATING");
        assertThat(compensating.get("failedTask").asString()).isEqualTo("b");
        assertThat(compensating.get("tasks").get(0).get("output"))
                .as("the output stays while the compensation changes the row")
                .isEqualTo(json("{\"charged\":10}"));
        assertThat(compensating
                        .get("tasks")
                        .get(0)
                        .get("compensationProgress")
                        .get("status")
                        .asString())
                .isEqualTo("DISPATCHED");
        assertThat(api.get("/api/v1/workflows?status=COMPENSATING")
                        .json()
                        .get("items")
                        .valueStream()
                        .map(item -> item.get("id").asString()))
                .contains(wf.value());

        LOG.send(new TaskSucceeded(wf, a, 1, TaskKind.COMPENSATION, json("{\"refunded\":10}"), "w3", now()));
        LOG.send(new WorkflowFailed(wf, b, "task 'b' failed: NO_STOCK", CompensationOutcome.COMPENSATED, now()));
        LOG.awaitCaughtUp(jdbc);

        JsonNode failed = api.getWorkflow(wf.value()).json();
        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.get("compensation").asString()).isEqualTo("COMPENSATED");
        assertThat(failed.get("origin"))
                .isEqualTo(json("{\"channel\":\"KAFKA\",\"topic\":\"orders\",\"partition\":1,\"offset\":7}"));
        JsonNode taskA = failed.get("tasks").get(0);
        assertThat(taskA.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(taskA.get("compensationProgress").get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(taskA.get("compensationProgress").get("attempt").asInt()).isEqualTo(1);
        assertThat(taskA.get("compensationProgress").get("output")).isEqualTo(json("{\"refunded\":10}"));
        assertThat(taskA.get("attempts")
                        .valueStream()
                        .map(at -> at.get("kind").asString() + "/"
                                + at.get("attempt").asInt() + "/"
                                + at.get("status").asString()))
                .containsExactly("TASK/1/SUCCEEDED", "COMPENSATION/1/SUCCEEDED");
        JsonNode taskB = failed.get("tasks").get(1);
        assertThat(taskB.get("status").asString()).isEqualTo("FAILED");
        assertThat(taskB.get("attempt").asInt()).isEqualTo(2);
        assertThat(taskB.has("compensationProgress")).isFalse();
        JsonNode first = taskB.get("attempts").get(0);
        assertThat(first.get("status").asString()).isEqualTo("TIMED_OUT");
        assertThat(first.get("workerId").asString()).isEqualTo("w1");
        assertThat(first.get("error").get("code").asString()).isEqualTo("TIMEOUT");
        assertThat(first.get("lateResult").get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(first.has("dispatchedAt") && first.has("startedAt") && first.has("finishedAt"))
                .isTrue();
        JsonNode second = taskB.get("attempts").get(1);
        assertThat(second.get("status").asString()).isEqualTo("FAILED");
        assertThat(second.get("workerId").asString()).isEqualTo("w2");
        assertThat(second.get("error"))
                .isEqualTo(json("{\"code\":\"NO_STOCK\",\"message\":\"out of stock\",\"retryable\":false}"));
        assertThat(second.has("lateResult")).isFalse();
        assertThat(failed.get("tasks").get(2).get("status").asString()).isEqualTo("SKIPPED");

        LOG.send(new WorkflowRetryRequested(wf, "restocked", now()));
        LOG.awaitCaughtUp(jdbc);

        JsonNode rerun = api.getWorkflow(wf.value()).json();
        assertThat(rerun.get("status").asString()).isEqualTo("RUNNING");
        assertThat(rerun.has("compensation")
                        || rerun.has("reason")
                        || rerun.has("failedTask")
                        || rerun.has("finishedAt"))
                .isFalse();
        assertThat(rerun.get("tasks").valueStream().map(t -> t.get("status").asString()))
                .as("a was undone by its compensation, so it runs again")
                .containsExactly("WAITING", "WAITING", "WAITING");
        assertThat(rerun.get("tasks").get(0).has("compensationProgress")).isFalse();
        assertThat(rerun.get("tasks").get(0).has("output")).isFalse();
        assertThat(rerun.get("tasks").get(1).get("attempts").size()).isEqualTo(2);
    }

    @Test
    void aWorkflowSubmittedElsewhereAppearsFromItsAcceptanceOnTheLog() {
        WorkflowId wf = WorkflowId.of(TestInfra.uniqueName("foreign"));
        Instant acceptedAt = Instant.parse("2026-03-01T12:00:00.123456Z");
        WorkflowDefinition definition = new WorkflowDefinition(
                "from elsewhere",
                json("{\"k\":1}"),
                Map.of("origin", "kafka"),
                null,
                null,
                List.of(task("x", "noop"), task("y", "noop", "x")));
        assertThat(api.getWorkflow(wf.value()).status()).isEqualTo(404);
        LOG.send(new TaskStarted(wf, TaskId.of("x"), 1, TaskKind.TASK, "w", now())); // before it exists: ignored

        LOG.send(new WorkflowAccepted(wf, definition, acceptedAt));
        LOG.send(dispatched(wf, 1, null, "x"));
        LOG.send(new TaskStarted(wf, TaskId.of("x"), 1, TaskKind.TASK, "w", now()));
        LOG.awaitCaughtUp(jdbc);

        ApiClient.Response response = api.getWorkflow(wf.value());
        assertThat(response.status()).isEqualTo(200);
        JsonNode workflow = response.json();
        assertThat(workflow.get("name").asString()).isEqualTo("from elsewhere");
        assertThat(workflow.get("status").asString()).isEqualTo("RUNNING");
        assertThat(workflow.get("labels").get("origin").asString()).isEqualTo("kafka");
        assertThat(workflow.get("input").get("k").asInt()).isEqualTo(1);
        assertThat(Instant.parse(workflow.get("createdAt").asString())).isEqualTo(acceptedAt);
        assertThat(workflow.get("tasks").valueStream().map(t -> t.get("status").asString()))
                .containsExactly("RUNNING", "WAITING");
        assertThat(api.get("/api/v1/workflows/" + wf.value() + "/events").json().size())
                .as("the event before the acceptance is not part of its history")
                .isEqualTo(3);
        assertThat(api.submit("""
                        {"id": "%s", "name": "from elsewhere", "input": {"k": 1}, "labels": {"origin": "kafka"},
                         "tasks": [{"id": "x", "type": "noop"}, {"id": "y", "type": "noop", "dependsOn": ["x"]}]}
                        """.formatted(wf.value())).status())
                .as("the same definition over HTTP is the same workflow")
                .isEqualTo(200);
    }

    @Test
    void aRedeliveredEventIsListedOnceAndAStaleAttemptsResultChangesNothing() {
        WorkflowId wf = acceptedElsewhere(TestInfra.uniqueName("redelivered"), task("a", "noop"));
        LOG.send(dispatched(wf, 1, null, "a"));
        Sent started = LOG.send(new TaskStarted(wf, TaskId.of("a"), 1, TaskKind.TASK, "w1", now()));
        LOG.awaitCaughtUp(jdbc);
        JsonNode before = api.getWorkflow(wf.value()).json();

        Sent again = LOG.send(started.envelope()); // the same ce_id, e.g. a producer retry
        LOG.awaitCaughtUp(jdbc);

        assertThat(again.envelope().id()).isEqualTo(started.envelope().id());
        assertThat(api.getWorkflow(wf.value()).json()).isEqualTo(before);
        assertThat(eventIds(wf)).containsOnlyOnce(started.envelope().id().toString());

        // Attempt 1 timed out in the scheduler's eyes and attempt 2 was released; then 1 reports.
        LOG.send(dispatched(wf, 2, null, "a"));
        LOG.awaitCaughtUp(jdbc);
        JsonNode second = api.getWorkflow(wf.value()).json();
        Sent stale = LOG.send(new TaskSucceeded(wf, TaskId.of("a"), 1, TaskKind.TASK, json("{}"), "w1", now()));
        LOG.awaitCaughtUp(jdbc);

        JsonNode after = api.getWorkflow(wf.value()).json();
        JsonNode lateAttempt = after.get("tasks").get(0).get("attempts").get(0);
        assertThat(lateAttempt.get("status").asString())
                .as("the result is recorded on its attempt")
                .isEqualTo("SUCCEEDED");
        assertThat(withoutAttempts(after)).isEqualTo(withoutAttempts(second));
        assertThat(after.get("tasks").get(0).get("status").asString()).isEqualTo("DISPATCHED");
        assertThat(after.get("tasks").get(0).get("attempt").asInt()).isEqualTo(2);
        assertThat(eventIds(wf))
                .as("stale results are still history")
                .contains(stale.envelope().id().toString());
    }

    @Test
    void undecodableRecordsGoToTheDeadLettersAndTheNextRecordIsStillApplied() {
        String id = TestInfra.uniqueName("bad-records");
        String succeededType = EventTypes.of(TaskSucceeded.class);
        RecordMetadata garbage = LOG.sendRaw(id, utf8("{not json"), HistoryLog.headers(uuid(), succeededType, id));
        Map<String, String> noId = HistoryLog.headers(uuid(), succeededType, id);
        noId.remove(Headers.CE_ID);
        LOG.sendRaw(id, utf8("{}"), noId);
        LOG.sendRaw(id, utf8("{\"anything\":1}"), HistoryLog.headers(uuid(), "tributary.from-the-future.v9", id));
        WorkflowId wf = WorkflowId.of(id);
        LOG.send(new WorkflowAccepted(wf, definition(task("a", "noop")), now()));
        LOG.awaitCaughtUp(jdbc);

        assertThat(api.getWorkflow(id).json().get("status").asString()).isEqualTo("RUNNING");
        List<ConsumerRecord<String, byte[]>> letters = awaitDeadLetters(id, 2);
        assertThat(letters)
                .extracting(r -> HistoryLog.header(r, Headers.DLT_REASON))
                .satisfiesExactly(
                        reason -> assertThat(reason).startsWith("not a valid TaskSucceeded"),
                        reason -> assertThat(reason).isEqualTo("missing header ce_id"));
        ConsumerRecord<String, byte[]> first = letters.getFirst();
        assertThat(HistoryLog.header(first, Headers.DLT_ORIGINAL_TOPIC)).isEqualTo(LOG.events());
        assertThat(HistoryLog.header(first, Headers.DLT_ORIGINAL_PARTITION))
                .isEqualTo(Integer.toString(garbage.partition()));
        assertThat(HistoryLog.header(first, Headers.DLT_ORIGINAL_OFFSET)).isEqualTo(Long.toString(garbage.offset()));
        assertThat(HistoryLog.header(first, Headers.DLT_SOURCE)).isEqualTo("submission-service");
        assertThat(HistoryLog.header(first, Headers.DLT_EXCEPTION)).isNotBlank();
        assertThat(HistoryLog.header(first, Headers.CE_TYPE))
                .as("original headers kept")
                .isEqualTo(succeededType);
        assertThat(new String(first.value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
    }

    @Test
    void aRestartedConsumerResumesFromTheStoredOffsetsAndAppliesNothingTwice() throws Exception {
        String id = TestInfra.uniqueName("restart");
        LOG.sendRaw(id, utf8("[]"), HistoryLog.headers(uuid(), EventTypes.of(TaskStarted.class), id));
        WorkflowId wf = acceptedElsewhere(id, task("a", "noop"), task("b", "noop", "a"));
        LOG.send(dispatched(wf, 1, null, "a"));
        LOG.awaitCaughtUp(jdbc);
        awaitDeadLetters(id, 1);
        double duplicatesBefore = duplicates();

        consumer.stop();
        assertThat(consumer.isRunning()).isFalse();
        LOG.send(new TaskStarted(wf, TaskId.of("a"), 1, TaskKind.TASK, "w", now()));
        LOG.send(new TaskSucceeded(wf, TaskId.of("a"), 1, TaskKind.TASK, json("{}"), "w", now()));
        LOG.send(dispatched(wf, 1, null, "b"));
        consumer.start();
        LOG.awaitCaughtUp(jdbc);

        JsonNode workflow = api.getWorkflow(wf.value()).json();
        assertThat(workflow.get("tasks").valueStream().map(t -> t.get("status").asString()))
                .containsExactly("SUCCEEDED", "DISPATCHED");
        assertThat(eventIds(wf)).hasSize(5);
        assertThat(duplicates()).as("no record was read twice").isEqualTo(duplicatesBefore);
        assertThat(LOG.deadLettersFor(id))
                .as("dead-lettered once, not again after the restart")
                .hasSize(1);
        try (Admin admin = TestInfra.kafka().admin()) {
            assertThat(admin.listConsumerGroupOffsets(LOG.group())
                            .partitionsToOffsetAndMetadata()
                            .get(60, TimeUnit.SECONDS))
                    .as("offsets live in PostgreSQL only")
                    .isEmpty();
        }
    }

    @Test
    void replayingTheLogIntoAWipedProjectionRebuildsTheSameRows() {
        WorkflowId foreign =
                acceptedElsewhere(TestInfra.uniqueName("rebuild"), task("a", "noop"), task("b", "noop", "a"));
        LOG.send(dispatched(foreign, 1, null, "a"));
        LOG.send(new TaskStarted(foreign, TaskId.of("a"), 1, TaskKind.TASK, "w", now()));
        LOG.send(new TaskSucceeded(foreign, TaskId.of("a"), 1, TaskKind.TASK, json("[1,2]"), "w", now()));
        String http = TestInfra.uniqueName("rebuild-http");
        assertThat(api.submit("{\"id\":\"%s\",\"name\":\"n\",\"tasks\":[{\"id\":\"t\",\"type\":\"noop\"}]}"
                                .formatted(http))
                        .status())
                .isEqualTo(201);
        relayOutboxRow(http);
        LOG.send(dispatched(WorkflowId.of(http), 1, null, "t"));
        LOG.awaitCaughtUp(jdbc);
        JsonNode foreignBefore = api.getWorkflow(foreign.value()).json();
        JsonNode httpBefore = api.getWorkflow(http).json();
        JsonNode foreignEvents =
                api.get("/api/v1/workflows/" + foreign.value() + "/events").json();

        consumer.stop();
        // Wipe what the projection owns: workflows it created, projected columns, history, offsets.
        jdbc.update("DELETE FROM submission.consumer_offset");
        jdbc.update("DELETE FROM submission.workflow_event");
        jdbc.update("DELETE FROM submission.workflow w WHERE NOT EXISTS"
                + " (SELECT 1 FROM submission.outbox o WHERE o.aggregate_id = w.id)");
        jdbc.update("UPDATE submission.workflow SET status = 'ACCEPTED', updated_at = created_at, started_at = NULL,"
                + " finished_at = NULL, reason = NULL, failed_task = NULL");
        jdbc.update("UPDATE submission.task t SET status = 'WAITING', attempt = 0, dispatched_at = NULL,"
                + " deadline = NULL, started_at = NULL, finished_at = NULL, worker_id = NULL, output = NULL,"
                + " error_code = NULL, error_message = NULL, error_retryable = NULL,"
                + " updated_at = (SELECT created_at FROM submission.workflow w WHERE w.id = t.workflow_id)");
        assertThat(api.getWorkflow(foreign.value()).status()).isEqualTo(404);
        consumer.start();
        LOG.awaitCaughtUp(jdbc);

        assertThat(api.getWorkflow(foreign.value()).json()).isEqualTo(foreignBefore);
        assertThat(api.getWorkflow(http).json()).isEqualTo(httpBefore);
        assertThat(api.get("/api/v1/workflows/" + foreign.value() + "/events").json())
                .isEqualTo(foreignEvents);
    }

    @Test
    void theHistoryOfAnUnknownWorkflowIsA404Problem() {
        ApiClient.Response response = api.get("/api/v1/workflows/nobody-knows/events");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.isProblem()).isTrue();
        assertThat(response.json().get("workflowId").asString()).isEqualTo("nobody-knows");
    }

    // --- helpers ---

    /** Produces the workflow's outbox row as the relay would: same ce_id, type, key, payload. */
    private Sent relayOutboxRow(String workflowId) {
        Map<String, Object> row = jdbc.queryForMap(
                "SELECT id, type, payload::text AS payload FROM submission.outbox WHERE aggregate_id = ?", workflowId);
        WorkflowEvent event = CODEC.decodeEvent(
                (String) row.get("type"), ((String) row.get("payload")).getBytes(StandardCharsets.UTF_8));
        return LOG.send(new EventEnvelope<>(
                (UUID) row.get("id"),
                (String) row.get("type"),
                "/tributary/submission",
                workflowId,
                now(),
                null,
                event));
    }

    /** A new workflow, accepted on the log only (as if submitted through another system). */
    private static WorkflowId acceptedElsewhere(String id, TaskDefinition... tasks) {
        WorkflowId wf = WorkflowId.of(id);
        LOG.send(new WorkflowAccepted(wf, definition(tasks), now()));
        return wf;
    }

    /** The workflow without its tasks' attempt records. */
    private static JsonNode withoutAttempts(JsonNode workflow) {
        JsonNode copy = workflow.deepCopy();
        copy.get("tasks").forEach(task -> ((tools.jackson.databind.node.ObjectNode) task).remove("attempts"));
        return copy;
    }

    private static Instant instantOf(Sent accepted) {
        return ((WorkflowAccepted) accepted.envelope().payload()).acceptedAt();
    }

    private void awaitStatus(String id, String status) {
        await().atMost(HistoryLog.WAIT)
                .until(() ->
                        status.equals(api.getWorkflow(id).json().get("status").asString()));
    }

    private List<String> eventIds(WorkflowId wf) {
        return api.get("/api/v1/workflows/" + wf.value() + "/events")
                .json()
                .valueStream()
                .map(e -> e.get("id").asString())
                .toList();
    }

    private static List<ConsumerRecord<String, byte[]>> awaitDeadLetters(String key, int count) {
        await().atMost(HistoryLog.WAIT).until(() -> LOG.deadLettersFor(key).size() >= count);
        List<ConsumerRecord<String, byte[]>> letters = LOG.deadLettersFor(key);
        assertThat(letters).hasSize(count);
        return letters;
    }

    private double duplicates() {
        return meters.get("tributary.submission.projection.records")
                .tag("outcome", "duplicate")
                .counter()
                .count();
    }

    private static TasksDispatched dispatched(WorkflowId wf, int attempt, Instant deadline, String... tasks) {
        return new TasksDispatched(
                wf,
                java.util.Arrays.stream(tasks)
                        .map(t -> new DispatchedTask(TaskId.of(t), "noop", attempt, TaskKind.TASK, deadline))
                        .toList(),
                now());
    }

    private static WorkflowDefinition definition(TaskDefinition... tasks) {
        return new WorkflowDefinition("test", null, Map.of(), null, null, List.of(tasks));
    }

    private static TaskDefinition task(String id, String type, String... dependsOn) {
        return new TaskDefinition(
                TaskId.of(id),
                type,
                null,
                dependsOn.length == 0
                        ? null
                        : List.of(dependsOn).stream().map(TaskId::of).toList(),
                null,
                null,
                null);
    }

    /** Now, at the database's precision, so that times read back compare equal. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    private static String uuid() {
        return UUID.randomUUID().toString();
    }

    private static JsonNode json(String text) {
        return CODEC.readTree(utf8(text));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
