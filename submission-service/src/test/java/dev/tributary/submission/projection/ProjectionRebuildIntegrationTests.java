package dev.tributary.submission.projection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.EventTypes;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.codec.EventEnvelope;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.DispatchedTask;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.TasksDispatched;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.history.WorkflowEvent.WorkflowSucceeded;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.submission.ApiClient;
import dev.tributary.submission.HistoryLog;
import dev.tributary.testsupport.TestInfra;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
 * Rebuilds of the status projection over HTTP: the history is produced onto a topic of this class's
 * own, the projection is snapshotted, rebuilt (whole, or from a timestamp) and compared.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ProjectionRebuildIntegrationTests {

    private static final HistoryLog LOG = new HistoryLog("rebuild_it", 2);
    private static final EventCodec CODEC = EventCodec.json();
    private static final String PATH = "/admin/rebuild/projection";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        LOG.register(registry, "rebuild_it");
        registry.add("tributary.submission.projection.max-poll-records", () -> "3");
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

    ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    @Test
    void aRebuildReproducesTheProjectionAndNoWorkflowLeavesTheApiMeanwhile() {
        String running = submitAndRelay(2);
        WorkflowId wf = WorkflowId.of(running);
        LOG.send(dispatched(wf, "a"));
        LOG.send(new TaskStarted(wf, TaskId.of("a"), 1, TaskKind.TASK, "worker-1", now()));
        LOG.send(new TaskSucceeded(wf, TaskId.of("a"), 1, TaskKind.TASK, json("{\"n\":1}"), "worker-1", now()));
        LOG.send(dispatched(wf, "b"));
        String succeeded = submitAndRelay(1);
        WorkflowId done = WorkflowId.of(succeeded);
        LOG.send(dispatched(done, "a"));
        LOG.send(new TaskSucceeded(done, TaskId.of("a"), 1, TaskKind.TASK, json("\"ok\""), "worker-2", now()));
        LOG.send(new WorkflowSucceeded(done, now()));
        WorkflowId elsewhere = WorkflowId.of(TestInfra.uniqueName("elsewhere"));
        LOG.send(new WorkflowAccepted(elsewhere, definition(1), now()));
        String bad = TestInfra.uniqueName("bad");
        LOG.sendRaw(
                bad,
                "not json".getBytes(StandardCharsets.UTF_8),
                HistoryLog.headers(UUID.randomUUID().toString(), EventTypes.of(TaskStarted.class), bad));
        LOG.awaitCaughtUp(jdbc);
        await().atMost(HistoryLog.WAIT).until(() -> LOG.deadLettersFor(bad).size() == 1);
        Map<String, List<Map<String, Object>>> before = snapshot();
        assertThat(before.get("workflow")).hasSizeGreaterThanOrEqualTo(3);

        consumer.stop(); // holds the rebuild at its start, so that the API is looked at mid-rebuild
        ApiClient.Response started;
        try {
            started = api.post(PATH, null);
            assertThat(started.status()).isEqualTo(202);
            JsonNode status = started.json();
            assertThat(status.get("state").asString()).isEqualTo("RUNNING");
            assertThat(status.get("consumerGroup").asString()).isEqualTo(LOG.group());
            assertThat(status.get("topic").asString()).isEqualTo(LOG.events());
            assertThat(status.get("replayed").asLong()).isZero();
            assertThat(status.get("total").asLong()).isGreaterThanOrEqualTo(10);
            assertThat(status.get("partitions")).hasSize(2);
            for (String id : List.of(running, succeeded, elsewhere.value())) {
                ApiClient.Response shown = api.getWorkflow(id);
                assertThat(shown.status()).as(id).isEqualTo(200);
                assertThat(shown.json().get("status").asString()).isEqualTo("ACCEPTED");
            }
            ApiClient.Response refused = api.post(PATH, "{}");
            assertThat(refused.status()).isEqualTo(409);
            assertThat(refused.isProblem()).isTrue();
            assertThat(refused.json().get("type").asString()).endsWith("rebuild-running");
            assertThat(refused.json().get("detail").asString()).contains("RUNNING");
        } finally {
            consumer.start();
        }

        awaitFinished();
        LOG.awaitCaughtUp(jdbc);
        JsonNode finished = api.get(PATH).json();
        assertThat(finished.get("replayed").asLong())
                .isEqualTo(finished.get("total").asLong());
        assertThat(snapshot()).isEqualTo(before);
        assertThat(LOG.deadLettersFor(bad))
                .as("dead-lettered once, not again by the replay")
                .hasSize(1);
    }

    @Test
    void aRebuildFromATimestampResetsOnlyNewerWorkflowsAndAbsorbsTheOlderOnesEvents() {
        String older = submitAndRelay(1);
        LOG.send(dispatched(WorkflowId.of(older), "a"));
        LOG.awaitCaughtUp(jdbc);
        Instant from = Instant.now().truncatedTo(ChronoUnit.MILLIS).plusMillis(1);
        await().until(() -> Instant.now().isAfter(from)); // at most a millisecond
        LOG.send(new TaskStarted(WorkflowId.of(older), TaskId.of("a"), 1, TaskKind.TASK, "worker-1", now()));
        String newer = submitAndRelay(1);
        LOG.send(dispatched(WorkflowId.of(newer), "a"));
        LOG.awaitCaughtUp(jdbc);
        Map<String, List<Map<String, Object>>> before = snapshot();

        ApiClient.Response started = api.post(PATH, "{\"from\": \"" + from + "\"}");

        assertThat(started.status()).isEqualTo(202);
        assertThat(Instant.parse(started.json().get("requestedFrom").asString()))
                .isEqualTo(from);
        assertThat(started.json().get("total").asLong()).isEqualTo(3); // started, accepted, dispatched
        awaitFinished();
        LOG.awaitCaughtUp(jdbc);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void aBadTimestampIsRefusedNamingTheField() {
        ApiClient.Response refused = api.post(PATH, "{\"from\": \"yesterday\"}");

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.isProblem()).isTrue();
        assertThat(refused.json().get("errors").get(0).get("pointer").asString())
                .isEqualTo("/from");
        assertThat(refused.json().get("detail").asString()).contains("/from", "ISO-8601");
    }

    // --- helpers ---

    /** The projection's rows, without the volatile columns (updated_at, seq). */
    private Map<String, List<Map<String, Object>>> snapshot() {
        Map<String, List<Map<String, Object>>> snapshot = new LinkedHashMap<>();
        snapshot.put(
                "workflow",
                jdbc.queryForList("SELECT id, name, status, definition::text AS definition, definition_sha256,"
                        + " task_count, created_at, started_at, finished_at, reason, failed_task, compensation,"
                        + " origin::text AS origin FROM submission.workflow ORDER BY id"));
        snapshot.put(
                "task",
                jdbc.queryForList("SELECT workflow_id, task_id, position, type, status, attempt, dispatched_at,"
                        + " deadline, started_at, finished_at, worker_id, output::text AS output, error_code,"
                        + " error_message, error_retryable, attempts::text AS attempts,"
                        + " compensation::text AS compensation FROM submission.task ORDER BY workflow_id, task_id"));
        snapshot.put(
                "workflow_event",
                jdbc.queryForList("SELECT workflow_id, ce_id, type, source, time, payload::text AS payload,"
                        + " kafka_partition, kafka_offset FROM submission.workflow_event"
                        + " ORDER BY kafka_partition, kafka_offset"));
        return snapshot;
    }

    private void awaitFinished() {
        await().atMost(HistoryLog.WAIT)
                .until(() -> api.get(PATH).json().get("state").asString().equals("FINISHED"));
    }

    /** Submits a workflow of {@code tasks} chained tasks over HTTP and relays its acceptance. */
    private String submitAndRelay(int tasks) {
        String id = TestInfra.uniqueName("rebuild-wf");
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < tasks; i++) {
            list.append(i == 0 ? "" : ", ")
                    .append("{\"id\": \"")
                    .append((char) ('a' + i))
                    .append("\", \"type\": \"noop\"")
                    .append(i == 0 ? "" : ", \"dependsOn\": [\"" + (char) ('a' + i - 1) + "\"]")
                    .append('}');
        }
        assertThat(api.submit("{\"id\": \"" + id + "\", \"name\": \"rebuilt\", \"tasks\": [" + list + "]}")
                        .status())
                .isEqualTo(201);
        Map<String, Object> row = jdbc.queryForMap(
                "SELECT id, type, payload::text AS payload FROM submission.outbox WHERE aggregate_id = ?", id);
        WorkflowEvent event = CODEC.decodeEvent(
                (String) row.get("type"), ((String) row.get("payload")).getBytes(StandardCharsets.UTF_8));
        LOG.send(new EventEnvelope<>(
                (UUID) row.get("id"), (String) row.get("type"), "/tributary/submission", id, now(), null, event));
        return id;
    }

    private static TasksDispatched dispatched(WorkflowId wf, String task) {
        return new TasksDispatched(
                wf, List.of(new DispatchedTask(TaskId.of(task), "noop", 1, TaskKind.TASK, null)), now());
    }

    private static WorkflowDefinition definition(int tasks) {
        return new WorkflowDefinition(
                "elsewhere",
                null,
                Map.of(),
                null,
                null,
                java.util.stream.IntStream.range(0, tasks)
                        .mapToObj(i -> new TaskDefinition(TaskId.of("t" + i), "noop", null, null, null, null, null))
                        .toList());
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    private static JsonNode json(String text) {
        return CODEC.readTree(text.getBytes(StandardCharsets.UTF_8));
    }
}
