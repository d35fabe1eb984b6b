package dev.tributary.submission.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent.CompensationOutcome;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.history.WorkflowEvent.WorkflowCancelRequested;
import dev.tributary.events.history.WorkflowEvent.WorkflowCancelled;
import dev.tributary.events.history.WorkflowEvent.WorkflowFailed;
import dev.tributary.events.history.WorkflowEvent.WorkflowRetryRequested;
import dev.tributary.events.history.WorkflowEvent.WorkflowSucceeded;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.outbox.relay.OutboxRelay;
import dev.tributary.submission.ApiClient;
import dev.tributary.submission.HistoryLog;
import dev.tributary.submission.SubmissionDatabase;
import dev.tributary.testsupport.TestInfra;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Cancel and retry over real HTTP, with the real outbox relay (Debezium on the embedded
 * PostgreSQL) putting the request events on a history topic of this class's own, and the status
 * projection reading that topic back.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext // stops the relay (and frees its replication slot) when the class is done
class WorkflowControlIntegrationTests {

    private static final HistoryLog LOG = new HistoryLog("control_it", 1);
    private static final String CANCEL_TYPE = EventTypes.of(WorkflowCancelRequested.class);
    private static final String RETRY_TYPE = EventTypes.of(WorkflowRetryRequested.class);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        LOG.register(registry, "control_it");
        String relay = TestInfra.uniqueName("control");
        registry.add("tributary.outbox.enabled", () -> "true");
        registry.add("tributary.outbox.name", () -> relay);
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
    OutboxRelay relay;

    ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
        // Rows written before the relay's replication slot exists would never be relayed.
        await().atMost(HistoryLog.WAIT).until(relay::isRelaying);
    }

    @Test
    void cancellingARunningWorkflowPutsTheRequestOnTheHistoryLogAndCancellingTwiceIsHarmless() {
        String id = TestInfra.uniqueName("cancel-me");
        assertThat(api.submit("""
                        {"id": "%s", "name": "long", "tasks": [{"id": "a", "type": "noop"}]}
                        """.formatted(id)).status()).isEqualTo(201);
        awaitStatus(id, "RUNNING"); // the relayed WorkflowAccepted came back through the projection

        ApiClient.Response response = api.post(cancel(id), "{\"reason\": \"no longer needed\"}");

        assertThat(response.status()).isEqualTo(202);
        assertThat(response.location()).contains("/api/v1/workflows/" + id);
        JsonNode body = response.json();
        assertThat(body.get("workflowId").asString()).isEqualTo(id);
        assertThat(body.get("action").asString()).isEqualTo("CANCEL");
        assertThat(body.get("status").asString()).isEqualTo("RUNNING");
        String requestId = body.get("requestId").asString();
        ConsumerRecord<String, byte[]> record = awaitRecord(requestId);
        assertThat(record.key()).isEqualTo(id);
        assertThat(HistoryLog.header(record, Headers.CE_TYPE)).isEqualTo(CANCEL_TYPE);
        assertThat(HistoryLog.header(record, Headers.CE_SUBJECT)).isEqualTo(id);
        WorkflowCancelRequested event =
                (WorkflowCancelRequested) EventCodec.json().decodeEvent(CANCEL_TYPE, record.value());
        assertThat(event.workflowId()).isEqualTo(WorkflowId.of(id));
        assertThat(event.reason()).isEqualTo("no longer needed");
        await().atMost(HistoryLog.WAIT).until(() -> eventTypes(id).contains(CANCEL_TYPE));
        assertThat(api.getWorkflow(id).json().get("status").asString())
                .as("the request alone changes nothing; the scheduler decides")
                .isEqualTo("RUNNING");

        ApiClient.Response again = api.post(cancel(id), null);
        assertThat(again.status()).as("asked again before the scheduler acted").isEqualTo(202);

        LOG.send(new WorkflowCancelled(WorkflowId.of(id), "no longer needed", now()));
        awaitStatus(id, "CANCELLED");
        long outboxRows = SubmissionDatabase.outboxRows(jdbc);
        ApiClient.Response afterwards = api.post(cancel(id), "{}");
        assertThat(afterwards.status()).isEqualTo(202);
        assertThat(afterwards.json().get("status").asString()).isEqualTo("CANCELLED");
        assertThat(afterwards.json().has("requestId")).as("nothing written").isFalse();
        assertThat(SubmissionDatabase.outboxRows(jdbc)).isEqualTo(outboxRows);

        ApiClient.Response retry = api.post(retry(id), null);
        assertThat(retry.status()).as("a cancelled workflow can run again").isEqualTo(202);
        ConsumerRecord<String, byte[]> retried =
                awaitRecord(retry.json().get("requestId").asString());
        assertThat(HistoryLog.header(retried, Headers.CE_TYPE)).isEqualTo(RETRY_TYPE);
        awaitStatus(id, "RUNNING"); // the projection reruns it
    }

    @Test
    void aFinishedWorkflowCannotBeCancelledAndOnlyAFailedOrCancelledOneRetried() {
        WorkflowId succeeded = acceptedElsewhere("done");
        LOG.send(new WorkflowSucceeded(succeeded, now()));
        WorkflowId failed = acceptedElsewhere("failed");
        LOG.send(new WorkflowFailed(failed, TaskId.of("a"), "task 'a' failed", CompensationOutcome.NONE, now()));
        WorkflowId running = acceptedElsewhere("running");
        awaitStatus(succeeded.value(), "SUCCEEDED");
        awaitStatus(failed.value(), "FAILED");
        awaitStatus(running.value(), "RUNNING");
        long outboxRows = SubmissionDatabase.outboxRows(jdbc);

        assertConflict(api.post(cancel(succeeded.value()), null), "SUCCEEDED", "CANCEL");
        assertConflict(api.post(retry(succeeded.value()), null), "SUCCEEDED", "RETRY");
        assertConflict(api.post(cancel(failed.value()), "{\"reason\": \"too late\"}"), "FAILED", "CANCEL");
        assertConflict(api.post(retry(running.value()), null), "RUNNING", "RETRY");
        assertThat(SubmissionDatabase.outboxRows(jdbc)).as("nothing written").isEqualTo(outboxRows);

        ApiClient.Response retry = api.post(retry(failed.value()), "{\"reason\": \"fixed upstream\"}");
        assertThat(retry.status()).isEqualTo(202);
        assertThat(retry.json().get("action").asString()).isEqualTo("RETRY");
        assertThat(retry.json().get("status").asString()).isEqualTo("FAILED");
        ConsumerRecord<String, byte[]> record =
                awaitRecord(retry.json().get("requestId").asString());
        assertThat(record.key()).isEqualTo(failed.value());
        assertThat(HistoryLog.header(record, Headers.CE_TYPE)).isEqualTo(RETRY_TYPE);
        assertThat(((WorkflowRetryRequested) EventCodec.json().decodeEvent(RETRY_TYPE, record.value())).reason())
                .isEqualTo("fixed upstream");
    }

    @Test
    void anUnknownWorkflowIsNotFound() {
        for (String path : List.of(cancel("no-such-workflow"), retry("no-such-workflow"))) {
            ApiClient.Response response = api.post(path, null);
            assertThat(response.status()).isEqualTo(404);
            assertThat(response.isProblem()).isTrue();
            assertThat(response.json().get("workflowId").asString()).isEqualTo("no-such-workflow");
        }
    }

    @Test
    void aBadBodyIsRefusedNamingTheField() {
        WorkflowId running = acceptedElsewhere("bad-body");
        awaitStatus(running.value(), "RUNNING");
        long outboxRows = SubmissionDatabase.outboxRows(jdbc);
        String path = cancel(running.value());

        assertBadRequest(api.post(path, "{\"reason\": 5}"), "/reason", "must be a string");
        assertBadRequest(api.post(path, "{\"reason\": \"x\", \"force\": true}"), "/force", "not a known field");
        assertBadRequest(api.post(path, "{\"reason\": \"" + "x".repeat(1001) + "\"}"), "/reason", "at most 1000");
        assertBadRequest(api.post(path, "{\"reason\": "), "", "is not JSON");
        assertBadRequest(api.post(retry(running.value()), "[\"why\"]"), "", "must be a JSON object");
        assertThat(SubmissionDatabase.outboxRows(jdbc)).as("nothing written").isEqualTo(outboxRows);

        assertThat(api.post(path, "{\"reason\": \"" + "x".repeat(1000) + "\"}").status())
                .as("the longest reason")
                .isEqualTo(202);
    }

    private static void assertConflict(ApiClient.Response response, String status, String action) {
        assertThat(response.status()).isEqualTo(409);
        assertThat(response.isProblem()).isTrue();
        JsonNode problem = response.json();
        assertThat(problem.get("type").asString()).endsWith("/workflow-state-conflict");
        assertThat(problem.get("status").asInt()).isEqualTo(409);
        assertThat(problem.get("workflowStatus").asString()).isEqualTo(status);
        assertThat(problem.get("action").asString()).isEqualTo(action);
        assertThat(problem.get("detail").asString()).contains("is " + status);
    }

    private static void assertBadRequest(ApiClient.Response response, String pointer, String reason) {
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.isProblem()).isTrue();
        JsonNode error = response.json().get("errors").get(0);
        assertThat(error.get("pointer").asString()).isEqualTo(pointer);
        assertThat(error.get("reason").asString()).contains(reason);
    }

    private static WorkflowId acceptedElsewhere(String prefix) {
        WorkflowId wf = WorkflowId.of(TestInfra.uniqueName(prefix));
        LOG.send(new WorkflowAccepted(
                wf,
                new WorkflowDefinition(
                        "elsewhere",
                        null,
                        Map.of(),
                        null,
                        null,
                        List.of(new TaskDefinition(TaskId.of("a"), "noop", null, null, null, null, null))),
                now()));
        return wf;
    }

    /** The record with this {@code ce_id} on the history topic, once the relay has put it there. */
    private static ConsumerRecord<String, byte[]> awaitRecord(String ceId) {
        return await().atMost(HistoryLog.WAIT)
                .until(
                        () -> HistoryLog.readAll(LOG.events()).stream()
                                .filter(r -> ceId.equals(HistoryLog.header(r, Headers.CE_ID)))
                                .findFirst(),
                        java.util.Optional::isPresent)
                .orElseThrow();
    }

    private List<String> eventTypes(String id) {
        return api.get("/api/v1/workflows/" + id + "/events")
                .json()
                .valueStream()
                .map(e -> e.get("type").asString())
                .toList();
    }

    private void awaitStatus(String id, String status) {
        await().atMost(HistoryLog.WAIT).until(() -> {
            ApiClient.Response response = api.getWorkflow(id);
            return response.status() == 200
                    && status.equals(response.json().get("status").asString());
        });
    }

    private static String cancel(String id) {
        return "/api/v1/workflows/" + id + "/cancel";
    }

    private static String retry(String id) {
        return "/api/v1/workflows/" + id + "/retry";
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
