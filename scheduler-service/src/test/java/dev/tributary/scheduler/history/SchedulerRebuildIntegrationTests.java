package dev.tributary.scheduler.history;

import static dev.tributary.scheduler.history.HistoryEvents.definition;
import static dev.tributary.scheduler.history.HistoryEvents.json;
import static dev.tributary.scheduler.history.HistoryEvents.newWorkflow;
import static dev.tributary.scheduler.history.HistoryEvents.succeeded;
import static dev.tributary.scheduler.history.HistoryEvents.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.EventTypes;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.TaskTimeout;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.TasksDispatched;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.scheduler.SchedulerApplication;
import dev.tributary.testsupport.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Rebuilds of the scheduler state over HTTP against a real broker and PostgreSQL. The relay is off:
 * the test relays the scheduler's history events from its outbox onto the topic itself, so that it
 * decides which decisions the log holds when the rebuild starts.
 */
@SpringBootTest(classes = SchedulerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SchedulerRebuildIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String EVENTS = TestInfra.uniqueName("rebuild_events");
    private static final String DEAD_LETTERS = TestInfra.uniqueName("dead_letters");
    private static final String GROUP = TestInfra.uniqueName("scheduler");
    private static final String DISPATCHED = EventTypes.of(TasksDispatched.class);
    private static final String DISPATCH = EventTypes.of(TaskDispatch.class);
    private static final EventCodec CODEC = EventCodec.json();

    private static SchedulerTestKafka kafka;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    HistoryConsumer consumer;

    @Autowired
    MeterRegistry meters;

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private final Set<UUID> relayed = new HashSet<>();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestInfra.kafka().createTopic(EVENTS, 3);
        TestInfra.kafka().createTopic(DEAD_LETTERS, 1);
        String url = TestInfra.newDatabase("rebuild"); // once: every reader of the property gets this one
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", () -> TestInfra.postgres().username());
        registry.add("spring.datasource.password", () -> TestInfra.postgres().password());
        registry.add("tributary.outbox.enabled", () -> "false");
        registry.add("spring.kafka.bootstrap-servers", () -> TestInfra.kafka().bootstrapServers());
        registry.add("tributary.scheduler.events-topic", () -> EVENTS);
        registry.add("tributary.scheduler.dead-letter-topic", () -> DEAD_LETTERS);
        registry.add("tributary.scheduler.tasks-topic-prefix", () -> TestInfra.uniqueName("tasks") + ".");
        registry.add("tributary.scheduler.cancellations-topic", () -> TestInfra.uniqueName("cancellations"));
        registry.add("tributary.scheduler.consumer-group", () -> GROUP);
        registry.add("tributary.scheduler.poll-timeout", () -> "200ms");
        registry.add("tributary.scheduler.max-poll-records", () -> "4");
        registry.add("tributary.scheduler.timers.poll-interval", () -> "100ms");
    }

    @BeforeAll
    static void producer() {
        kafka = new SchedulerTestKafka();
    }

    @AfterAll
    static void closeProducer() {
        kafka.close();
    }

    @Test
    void rebuildReproducesTheStateReEmitsOnlyWhatTheLogLacksAndKeepsProcessingNewWorkflows() {
        WorkflowId done = newWorkflow();
        produce(new WorkflowAccepted(done, definition(task("a"), task("b", "a")), Instant.now()));
        awaitOutbox(done, 2);
        relayAll();
        produce(succeeded(done, "a", "{\"task\":\"a\"}"));
        awaitOutbox(done, 4);
        relayAll();
        produce(succeeded(done, "b", "{\"task\":\"b\"}"));
        awaitOutbox(done, 5);

        WorkflowId waiting = newWorkflow(); // released and logged, no result: left to its timeout
        produce(new WorkflowAccepted(
                waiting,
                definition(new TaskDefinition(
                        TaskId.of("a"), "noop", null, null, null, new TaskTimeout(null, Duration.ofHours(1)), null)),
                Instant.now()));
        awaitOutbox(waiting, 2);

        WorkflowId unlogged = newWorkflow(); // released, but the release never reached the log
        produce(new WorkflowAccepted(unlogged, definition(task("a")), Instant.now()));
        awaitOutbox(unlogged, 2);
        relay(id -> !id.equals(unlogged.value()));
        String bad = TestInfra.uniqueName("bad");
        kafka.produce(EVENTS, bad, "not json".getBytes(StandardCharsets.UTF_8), EventTypes.of(TaskSucceeded.class));
        awaitConsumedToTheEnd();
        await().atMost(WAIT).until(() -> deadLetters(bad) == 1);

        Snapshot before = snapshot(List.of());
        long outboxBefore = countOutbox();
        List<TaskDispatch> releasedBefore = commands(unlogged);
        assertThat(before.timers()).hasSize(1); // the schedule-to-start timer of "waiting"

        HttpResponse<String> started = post();
        assertThat(started.statusCode()).isEqualTo(202);
        JsonNode status = json(started.body());
        assertThat(status.get("consumerGroup").asString()).isEqualTo(GROUP);
        assertThat(status.get("topic").asString()).isEqualTo(EVENTS);
        assertThat(status.get("total").asLong()).isEqualTo(endOffsets());
        assertThat(status.get("partitions")).hasSize(3);
        WorkflowId arrivedDuringRebuild = newWorkflow();
        produce(new WorkflowAccepted(arrivedDuringRebuild, definition(task("a")), Instant.now()));

        await().atMost(WAIT)
                .until(() -> json(get().body()).get("state").asString().equals("FINISHED"));
        awaitOutbox(arrivedDuringRebuild, 2);
        awaitConsumedToTheEnd();

        JsonNode finished = json(get().body());
        assertThat(finished.get("replayed").asLong())
                .isEqualTo(finished.get("total").asLong());
        assertThat(finished.get("finishedAt").asString()).isNotBlank();
        assertThat(snapshot(List.of(arrivedDuringRebuild))).isEqualTo(before);
        // Nothing the log holds was decided again; the one release it lacks was, unchanged.
        assertThat(countOutbox()).isEqualTo(outboxBefore + 2 + 2);
        assertThat(countOutbox(done)).isEqualTo(5);
        assertThat(countOutbox(waiting)).isEqualTo(2);
        List<TaskDispatch> releasedAfter = commands(unlogged);
        assertThat(releasedAfter).hasSize(2);
        assertThat(releasedAfter.get(1).attempt())
                .isEqualTo(releasedBefore.getFirst().attempt());
        assertThat(releasedAfter.get(1).idempotencyKey())
                .isEqualTo(releasedBefore.getFirst().idempotencyKey())
                .isEqualTo(unlogged.value() + "/a/1");
        assertThat(outboxTypes(unlogged)).containsExactly(DISPATCHED, DISPATCH, DISPATCHED, DISPATCH);
        assertThat(deadLetters(bad))
                .as("dead-lettered once, not again by the replay")
                .isEqualTo(1);
    }

    private static long deadLetters(String key) {
        return SchedulerTestKafka.readAll(DEAD_LETTERS).stream()
                .filter(record -> key.equals(record.key()))
                .count();
    }

    @Test
    void aSecondRebuildIsRefusedWhileOneRunsAndItsProgressIsVisible() {
        WorkflowId wf = newWorkflow();
        produce(new WorkflowAccepted(wf, definition(task("a")), Instant.now()));
        awaitOutbox(wf, 2);
        awaitConsumedToTheEnd();
        consumer.stop(); // the rebuild cannot progress until the consumer runs again
        try {
            HttpResponse<String> started = post();
            assertThat(started.statusCode()).isEqualTo(202);
            JsonNode running = json(get().body());
            assertThat(running.get("state").asString()).isEqualTo("RUNNING");
            assertThat(running.get("replayed").asLong()).isZero();
            assertThat(running.get("total").asLong()).isEqualTo(endOffsets());
            assertThat(meters.get("tributary.consumer.replay.remaining")
                            .tag("group", GROUP)
                            .gauge()
                            .value())
                    .isEqualTo((double) endOffsets());

            HttpResponse<String> refused = post();
            assertThat(refused.statusCode()).isEqualTo(409);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            JsonNode problem = json(refused.body());
            assertThat(problem.get("type").asString()).endsWith("rebuild-running");
            assertThat(problem.get("detail").asString()).contains("RUNNING");
        } finally {
            consumer.start();
        }
        await().atMost(WAIT)
                .until(() -> json(get().body()).get("state").asString().equals("FINISHED"));
        assertThat(json(get().body()).get("replayed").asLong()).isEqualTo(endOffsets());
        assertThat(meters.get("tributary.consumer.replay.remaining")
                        .tag("group", GROUP)
                        .gauge()
                        .value())
                .isZero();
        assertThat(status(wf)).isEqualTo("RUNNING");
    }

    // --- the state compared: everything but the volatile columns (version, updated_at) ---

    record Snapshot(
            List<Map<String, Object>> runs, List<Map<String, Object>> outputs, List<Map<String, Object>> timers) {}

    private Snapshot snapshot(List<WorkflowId> excluded) {
        String[] ids = excluded.stream().map(WorkflowId::value).toArray(String[]::new);
        return new Snapshot(
                query(
                        "SELECT workflow_id, status, definition::text AS definition, accepted_at, state::text AS state,"
                                + " outcome_type, outcome::text AS outcome, outcome_logged FROM scheduler.workflow_run"
                                + " WHERE workflow_id <> ALL(?) ORDER BY workflow_id",
                        ids),
                query(
                        "SELECT workflow_id, task_id, attempt, output::text AS output FROM scheduler.task_output"
                                + " WHERE workflow_id <> ALL(?) ORDER BY workflow_id, task_id",
                        ids),
                query(
                        "SELECT workflow_id, timer_key, due_at, event_type, payload::text AS payload FROM scheduler.timer"
                                + " WHERE workflow_id <> ALL(?) ORDER BY workflow_id, timer_key",
                        ids));
    }

    private List<Map<String, Object>> query(String sql, String[] ids) {
        return jdbc.query(sql, ps -> ps.setArray(1, ps.getConnection().createArrayOf("text", ids)), (rs, row) -> {
            Map<String, Object> values = new java.util.LinkedHashMap<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                values.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
            }
            return values;
        });
    }

    // --- the log ---

    /** Produces the scheduler's history events from its outbox onto the topic, as the relay would. */
    private void relay(Predicate<String> workflows) {
        record Row(UUID id, String key, String type, String payload) {}
        List<Row> rows = jdbc.query(
                "SELECT id, aggregate_id, type, payload::text AS payload FROM scheduler.outbox WHERE topic = ?"
                        + " ORDER BY created_at, id",
                (rs, row) -> new Row(
                        rs.getObject("id", UUID.class),
                        rs.getString("aggregate_id"),
                        rs.getString("type"),
                        rs.getString("payload")),
                EVENTS);
        for (Row row : rows) {
            if (workflows.test(row.key()) && relayed.add(row.id())) {
                kafka.produce(EVENTS, row.key(), row.payload().getBytes(StandardCharsets.UTF_8), row.type());
            }
        }
    }

    private void relayAll() {
        relay(id -> true);
    }

    private static void produce(WorkflowEvent event) {
        kafka.produce(EVENTS, event);
    }

    private static long endOffsets() {
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        TestInfra.kafka().bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : reader.partitionsFor(EVENTS)) {
                partitions.add(new TopicPartition(EVENTS, info.partition()));
            }
            reader.assign(partitions); // end offsets of assigned partitions, without warnings
            return reader.endOffsets(partitions).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }

    private void awaitConsumedToTheEnd() {
        await().atMost(WAIT).until(() -> {
            Long stored = jdbc.queryForObject(
                    "SELECT coalesce(sum(next_offset), 0) FROM scheduler.consumer_offset WHERE group_id = ? AND topic = ?",
                    Long.class,
                    GROUP,
                    EVENTS);
            return stored != null && stored == endOffsets();
        });
    }

    // --- outbox and state ---

    private void awaitOutbox(WorkflowId wf, int rows) {
        await().atMost(WAIT).until(() -> countOutbox(wf) >= rows);
        assertThat(countOutbox(wf)).isEqualTo(rows);
    }

    private long countOutbox() {
        Long count = jdbc.queryForObject("SELECT count(*) FROM scheduler.outbox", Long.class);
        return count == null ? 0 : count;
    }

    private long countOutbox(WorkflowId wf) {
        Long count = jdbc.queryForObject(
                "SELECT count(*) FROM scheduler.outbox WHERE aggregate_id = ?", Long.class, wf.value());
        return count == null ? 0 : count;
    }

    private List<String> outboxTypes(WorkflowId wf) {
        return jdbc.queryForList(
                "SELECT type FROM scheduler.outbox WHERE aggregate_id = ? ORDER BY created_at, id",
                String.class,
                wf.value());
    }

    private List<TaskDispatch> commands(WorkflowId wf) {
        return jdbc
                .queryForList(
                        "SELECT payload::text FROM scheduler.outbox WHERE aggregate_id = ? AND type = ?"
                                + " ORDER BY created_at, id",
                        String.class,
                        wf.value(),
                        DISPATCH)
                .stream()
                .map(payload -> CODEC.decode(payload, TaskDispatch.class))
                .toList();
    }

    private String status(WorkflowId wf) {
        return jdbc.queryForObject(
                "SELECT status FROM scheduler.workflow_run WHERE workflow_id = ?", String.class, wf.value());
    }

    // --- HTTP ---

    private HttpResponse<String> post() {
        return send(HttpRequest.newBuilder(uri())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build());
    }

    private HttpResponse<String> get() {
        return send(HttpRequest.newBuilder(uri()).GET().build());
    }

    private URI uri() {
        return URI.create("http://localhost:" + port + "/admin/rebuild/scheduler");
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // --- workflows ---
}
