package dev.tributary.scheduler.history;

import static dev.tributary.scheduler.history.HistoryEvents.definition;
import static dev.tributary.scheduler.history.HistoryEvents.json;
import static dev.tributary.scheduler.history.HistoryEvents.newWorkflow;
import static dev.tributary.scheduler.history.HistoryEvents.succeeded;
import static dev.tributary.scheduler.history.HistoryEvents.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.Compensation;
import dev.tributary.events.definition.RetryPolicy;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.CompensationOutcome;
import dev.tributary.events.history.WorkflowEvent.TaskFailed;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskRetryDue;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.TasksDispatched;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.history.WorkflowEvent.WorkflowCancelRequested;
import dev.tributary.events.history.WorkflowEvent.WorkflowCancelled;
import dev.tributary.events.history.WorkflowEvent.WorkflowCompensating;
import dev.tributary.events.history.WorkflowEvent.WorkflowFailed;
import dev.tributary.events.history.WorkflowEvent.WorkflowSucceeded;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.CompensatedTask;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.scheduler.SchedulerApplication;
import dev.tributary.testsupport.TestInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The scheduler against a real broker and a real PostgreSQL, without the relay: events are
 * produced onto a fresh history topic the way the relay and the workers would, and the scheduler's
 * decisions are read from its outbox table.
 */
@SpringBootTest(classes = SchedulerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class HistoryConsumerIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String EVENTS = TestInfra.uniqueName("wf_events");
    private static final String DEAD_LETTERS = TestInfra.uniqueName("dead_letters");
    private static final String TASKS_PREFIX = TestInfra.uniqueName("tasks") + ".";
    private static final String CANCELLATIONS = TestInfra.uniqueName("cancellations");
    private static final String GROUP = TestInfra.uniqueName("scheduler");
    private static final String DISPATCHED = EventTypes.of(TasksDispatched.class);
    private static final String DISPATCH = EventTypes.of(TaskDispatch.class);
    private static final String SUCCEEDED = EventTypes.of(WorkflowSucceeded.class);
    private static final String CANCEL = EventTypes.of(TaskCancel.class);
    private static final EventCodec CODEC = EventCodec.json();

    private static SchedulerTestKafka kafka;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    HistoryConsumer consumer;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestInfra.kafka().createTopic(EVENTS, 3);
        TestInfra.kafka().createTopic(DEAD_LETTERS, 1);
        registry.add("spring.datasource.url", () -> TestInfra.newDatabase("scheduler"));
        registry.add("spring.datasource.username", () -> TestInfra.postgres().username());
        registry.add("spring.datasource.password", () -> TestInfra.postgres().password());
        // These tests stop at the outbox rows; relaying them is the relay library's to test.
        registry.add("tributary.outbox.enabled", () -> "false");
        registry.add("spring.kafka.bootstrap-servers", () -> TestInfra.kafka().bootstrapServers());
        registry.add("tributary.scheduler.events-topic", () -> EVENTS);
        registry.add("tributary.scheduler.dead-letter-topic", () -> DEAD_LETTERS);
        registry.add("tributary.scheduler.tasks-topic-prefix", () -> TASKS_PREFIX);
        registry.add("tributary.scheduler.cancellations-topic", () -> CANCELLATIONS);
        registry.add("tributary.scheduler.consumer-group", () -> GROUP);
        registry.add("tributary.scheduler.poll-timeout", () -> "200ms");
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
    void releasesRootsThenEachDependentOnceAllItsParentsSucceededAndFinishesTheWorkflow() {
        WorkflowId wf = newWorkflow();
        produce(accepted(wf, definition(task("a"), task("b", "a"), task("c", "a"), task("d", "b", "c"))));

        awaitOutbox(wf, 2);
        assertThat(dispatched(wf)).containsExactly(List.of("a"));
        TaskDispatch a = commands(wf).getFirst();
        assertThat(a.idempotencyKey()).isEqualTo(wf.value() + "/a/1");
        assertThat(outboxTopics(wf)).containsExactly(EVENTS, TASKS_PREFIX + "noop");

        produce(succeeded(wf, "a", "{\"n\":1}"));
        awaitOutbox(wf, 5);
        assertThat(dispatched(wf)).containsExactly(List.of("a"), List.of("b", "c"));

        produce(succeeded(wf, "c", "{\"n\":3}"));
        produce(succeeded(wf, "b", "{\"n\":2}"));
        awaitOutbox(wf, 7);
        TaskDispatch d = commands(wf).getLast();
        assertThat(d.taskId()).isEqualTo(TaskId.of("d"));
        assertThat(d.upstreamOutputs())
                .containsExactly(
                        Map.entry(TaskId.of("b"), json("{\"n\":2}")), Map.entry(TaskId.of("c"), json("{\"n\":3}")));

        produce(succeeded(wf, "d", "{\"n\":4}"));
        awaitOutbox(wf, 8);
        assertThat(lastOutboxType(wf)).isEqualTo(SUCCEEDED);
        assertThat(jdbc.queryForObject(
                        "SELECT status FROM scheduler.workflow_run WHERE workflow_id = ?", String.class, wf.value()))
                .isEqualTo("SUCCEEDED");
    }

    @Test
    void duplicateDeliveriesAndOwnEventsComingBackReleaseNothingTwice() {
        WorkflowId wf = newWorkflow();
        WorkflowAccepted accepted = accepted(wf, definition(task("a"), task("b", "a")));
        produce(accepted);
        awaitOutbox(wf, 2);
        TasksDispatched own = CODEC.decode(outboxPayloads(wf, DISPATCHED).getFirst(), TasksDispatched.class);

        produce(accepted);
        produce(own);
        produce(own);
        produce(succeeded(wf, "a", "{}"));
        produce(succeeded(wf, "a", "{}"));
        RecordMetadata last = produce(accepted);
        awaitApplied(last);

        assertThat(dispatched(wf)).containsExactly(List.of("a"), List.of("b"));
        assertThat(commands(wf))
                .extracting(TaskDispatch::idempotencyKey)
                .containsExactly(wf.value() + "/a/1", wf.value() + "/b/1");
        assertThat(jdbc.queryForObject(
                        "SELECT state -> 'tasks' -> 'a' ->> 'logged' FROM scheduler.workflow_run WHERE workflow_id = ?",
                        String.class,
                        wf.value()))
                .isEqualTo("true");
    }

    @Test
    void undecodableRecordsAreDeadLetteredUnknownTypesSkippedAndConsumptionGoesOn() {
        WorkflowId wf = newWorkflow();
        String succeededType = EventTypes.of(TaskSucceeded.class);
        RecordMetadata garbage = kafka.produce(EVENTS, wf.value(), utf8("{not json"), succeededType);
        kafka.produce(EVENTS, wf.value(), utf8("{\"workflowId\":\"" + wf.value() + "\",\"attempt\":1}"), succeededType);
        kafka.produce(EVENTS, wf.value(), utf8("{}"), null);
        kafka.produce(EVENTS, wf.value(), utf8("{\"anything\":1}"), "tributary.from-the-future.v9");
        kafka.produce(EVENTS, wf.value(), utf8("{}"), DISPATCH);
        produce(accepted(wf, definition(task("a"))));

        awaitOutbox(wf, 2);
        List<ConsumerRecord<String, byte[]>> letters = awaitDeadLetters(wf, 3);
        assertThat(letters)
                .extracting(r -> SchedulerTestKafka.header(r, Headers.DLT_REASON))
                .satisfiesExactly(
                        reason -> assertThat(reason).startsWith("not a valid TaskSucceeded"),
                        reason -> assertThat(reason).contains("required field /taskId is missing"),
                        reason -> assertThat(reason).isEqualTo("missing ce_type header"));
        ConsumerRecord<String, byte[]> first = letters.getFirst();
        assertThat(SchedulerTestKafka.header(first, Headers.DLT_ORIGINAL_TOPIC)).isEqualTo(EVENTS);
        assertThat(SchedulerTestKafka.header(first, Headers.DLT_ORIGINAL_PARTITION))
                .isEqualTo(Integer.toString(garbage.partition()));
        assertThat(SchedulerTestKafka.header(first, Headers.DLT_ORIGINAL_OFFSET))
                .isEqualTo(Long.toString(garbage.offset()));
        assertThat(SchedulerTestKafka.header(first, Headers.DLT_SOURCE)).isEqualTo("scheduler-service");
        assertThat(SchedulerTestKafka.header(first, Headers.DLT_EXCEPTION)).isNotBlank();
        assertThat(new String(first.value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
    }

    @Test
    void storedOffsetsSurviveAConsumerRestartAndKafkaOffsetsAreNeverCommitted() throws Exception {
        WorkflowId wf = newWorkflow();
        kafka.produce(EVENTS, wf.value(), utf8("[]"), null); // dead-lettered exactly once, or twice if re-read
        produce(accepted(wf, definition(task("a"), task("b", "a"))));
        awaitOutbox(wf, 2);
        awaitDeadLetters(wf, 1);

        consumer.stop();
        assertThat(consumer.isRunning()).isFalse();
        RecordMetadata last = produce(succeeded(wf, "a", "{}"));
        consumer.start();
        awaitApplied(last);
        awaitOutbox(wf, 4);

        assertThat(dispatched(wf)).containsExactly(List.of("a"), List.of("b"));
        assertThat(SchedulerTestKafka.readAll(DEAD_LETTERS).stream()
                        .filter(r -> wf.value().equals(r.key())))
                .hasSize(1);
        try (Admin admin = TestInfra.kafka().admin()) {
            assertThat(admin.listConsumerGroupOffsets(GROUP)
                            .partitionsToOffsetAndMetadata()
                            .get(60, TimeUnit.SECONDS))
                    .isEmpty();
        }
    }

    @Test
    void fiftyWorkflowsFinishAcrossAConsumerRestartWithEveryTaskDispatchedOnce() {
        List<WorkflowId> workflows =
                IntStream.range(0, 50).mapToObj(i -> newWorkflow()).toList();
        for (WorkflowId wf : workflows) {
            produce(accepted(wf, definition(task("x"), task("y", "x"), task("z", "x"), task("w", "y", "z"))));
        }
        Set<String> answered = new HashSet<>();
        boolean[] restarted = {false};

        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            // Play the workers: every dispatch in the outbox gets its result on the log, once.
            for (TaskDispatch command : allCommands(workflows)) {
                if (answered.add(command.idempotencyKey())) {
                    produce(succeeded(command.workflowId(), command.taskId().value(), "{}"));
                }
            }
            if (!restarted[0] && answered.size() >= 100) {
                consumer.stop();
                consumer.start();
                restarted[0] = true;
            }
            return countOutbox(workflows, SUCCEEDED) == workflows.size();
        });

        assertThat(restarted[0]).isTrue();
        List<TaskDispatch> commands = allCommands(workflows);
        assertThat(commands).hasSize(200);
        assertThat(commands.stream().map(TaskDispatch::idempotencyKey).distinct())
                .hasSize(200);
        assertThat(countOutbox(workflows, DISPATCHED)).isEqualTo(150); // x; y+z; w per workflow
    }

    @Test
    void retryTimerFiresTaskRetryDueIntoTheOutboxAndItsReturnReleasesTheNextAttempt() {
        WorkflowId wf = newWorkflow();
        RetryPolicy retry = new RetryPolicy(2, Duration.ofMillis(200), null, null, null, null);
        TaskDefinition flaky = new TaskDefinition(TaskId.of("flaky"), "noop", null, null, retry, null, null);
        produce(accepted(wf, new WorkflowDefinition("retry", null, Map.of(), null, null, List.of(flaky))));
        awaitOutbox(wf, 2);

        produce(new TaskFailed(
                wf, TaskId.of("flaky"), 1, TaskKind.TASK, "HTTP_503", "unavailable", true, "w", Instant.now()));
        await().atMost(WAIT)
                .until(() ->
                        outboxPayloads(wf, EventTypes.of(TaskRetryDue.class)).size() == 1);
        TaskRetryDue due = CODEC.decode(
                outboxPayloads(wf, EventTypes.of(TaskRetryDue.class)).getFirst(), TaskRetryDue.class);
        assertThat(due.attempt()).isEqualTo(2);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM scheduler.timer WHERE workflow_id = ?", Long.class, wf.value()))
                .isZero();

        produce(due); // the relay brings it back through the log
        awaitOutbox(wf, 5);
        assertThat(commands(wf))
                .extracting(TaskDispatch::idempotencyKey)
                .containsExactly(wf.value() + "/flaky/1", wf.value() + "/flaky/2");
    }

    @Test
    void cancelRequestWritesATaskCancelPerAttemptInFlightToTheCancellationsTopic() {
        WorkflowId wf = newWorkflow();
        produce(accepted(wf, definition(task("a"), task("b"), task("c", "a", "b"))));
        awaitOutbox(wf, 3);
        produce(new TaskStarted(wf, TaskId.of("a"), 1, TaskKind.TASK, "test-worker", Instant.now()));
        Instant requestedAt = Instant.now();

        produce(new WorkflowCancelRequested(wf, "customer request", requestedAt));

        awaitOutbox(wf, 6);
        List<Map<String, Object>> cancels = jdbc.queryForList(
                "SELECT topic, type, payload::text AS payload FROM scheduler.outbox"
                        + " WHERE aggregate_id = ? AND topic = ? ORDER BY created_at, id",
                wf.value(),
                CANCELLATIONS);
        assertThat(cancels).hasSize(2).allSatisfy(row -> assertThat(row).containsEntry("type", CANCEL));
        assertThat(cancels)
                .extracting(row -> CODEC.decode((String) row.get("payload"), TaskCancel.class))
                .containsExactly(
                        new TaskCancel(
                                wf,
                                TaskId.of("a"),
                                1,
                                TaskKind.TASK,
                                "workflow cancelled: customer request",
                                requestedAt),
                        new TaskCancel(
                                wf,
                                TaskId.of("b"),
                                1,
                                TaskKind.TASK,
                                "workflow cancelled: customer request",
                                requestedAt));
        assertThat(lastOutboxType(wf)).isEqualTo(EventTypes.of(WorkflowCancelled.class));
        assertThat(runStatus(wf)).isEqualTo("CANCELLED");
    }

    @Test
    void failedWorkflowCompensatesItsSucceededTaskAndEndsFailedCompensated() {
        WorkflowId wf = newWorkflow();
        TaskDefinition reserve = new TaskDefinition(
                TaskId.of("reserve"),
                "noop",
                json("{\"sku\":\"x\"}"),
                null,
                null,
                null,
                new Compensation("release", json("{\"why\":\"saga\"}"), null));
        produce(accepted(wf, definition(reserve, task("charge", "reserve"))));
        awaitOutbox(wf, 2);
        produce(succeeded(wf, "reserve", "{\"reservation\":7}"));
        awaitOutbox(wf, 4);

        produce(new TaskFailed(
                wf, TaskId.of("charge"), 1, TaskKind.TASK, "DECLINED", "card declined", false, "w", Instant.now()));

        awaitOutbox(wf, 7);
        WorkflowCompensating compensating = CODEC.decode(
                outboxPayloads(wf, EventTypes.of(WorkflowCompensating.class)).getFirst(), WorkflowCompensating.class);
        assertThat(compensating.failedTask()).isEqualTo(TaskId.of("charge"));
        assertThat(compensating.compensationOrder()).containsExactly(TaskId.of("reserve"));
        TaskDispatch undo = commands(wf).getLast();
        assertThat(undo.kind()).isEqualTo(TaskKind.COMPENSATION);
        assertThat(undo.type()).isEqualTo("release");
        assertThat(undo.idempotencyKey()).isEqualTo(wf.value() + "/reserve/compensation/1");
        assertThat(undo.compensates())
                .isEqualTo(new CompensatedTask(json("{\"sku\":\"x\"}"), json("{\"reservation\":7}")));
        assertThat(outboxTopics(wf)).contains(TASKS_PREFIX + "release");
        assertThat(runStatus(wf)).isEqualTo("COMPENSATING");

        produce(new TaskStarted(wf, TaskId.of("reserve"), 1, TaskKind.COMPENSATION, "w", Instant.now()));
        produce(new TaskSucceeded(wf, TaskId.of("reserve"), 1, TaskKind.COMPENSATION, null, "w", Instant.now()));

        awaitOutbox(wf, 8);
        WorkflowFailed failed = CODEC.decode(
                outboxPayloads(wf, EventTypes.of(WorkflowFailed.class)).getFirst(), WorkflowFailed.class);
        assertThat(failed.compensation()).isEqualTo(CompensationOutcome.COMPENSATED);
        assertThat(failed.failedTask()).isEqualTo(TaskId.of("charge"));
        assertThat(failed.reason()).isEqualTo("task 'charge' failed: DECLINED: card declined");
        assertThat(runStatus(wf)).isEqualTo("FAILED");
        assertThat(jdbc.queryForObject(
                        "SELECT state -> 'compensations' -> 'reserve' ->> 'status' FROM scheduler.workflow_run"
                                + " WHERE workflow_id = ?",
                        String.class,
                        wf.value()))
                .isEqualTo("SUCCEEDED");
    }

    // --- helpers ---

    private static WorkflowAccepted accepted(WorkflowId wf, WorkflowDefinition definition) {
        return new WorkflowAccepted(wf, definition, Instant.now());
    }

    private static RecordMetadata produce(WorkflowEvent event) {
        return kafka.produce(EVENTS, event);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private void awaitApplied(RecordMetadata record) {
        await().atMost(WAIT).until(() -> {
            Long next = jdbc.query(
                    "SELECT next_offset FROM scheduler.consumer_offset WHERE group_id = ? AND topic = ? AND partition = ?",
                    rs -> rs.next() ? rs.getLong(1) : null,
                    GROUP,
                    EVENTS,
                    record.partition());
            return next != null && next > record.offset();
        });
    }

    private void awaitOutbox(WorkflowId wf, int rows) {
        await().atMost(WAIT).until(() -> countOutbox(List.of(wf), null) >= rows);
        assertThat(countOutbox(List.of(wf), null)).isEqualTo(rows);
    }

    private static List<ConsumerRecord<String, byte[]>> awaitDeadLetters(WorkflowId wf, int count) {
        List<ConsumerRecord<String, byte[]>> letters = new ArrayList<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            letters.clear();
            SchedulerTestKafka.readAll(DEAD_LETTERS).stream()
                    .filter(r -> wf.value().equals(r.key()))
                    .forEach(letters::add);
            return letters.size() >= count;
        });
        assertThat(letters).hasSize(count);
        return letters;
    }

    private long countOutbox(List<WorkflowId> workflows, @Nullable String type) {
        String[] ids = workflows.stream().map(WorkflowId::value).toArray(String[]::new);
        String sql = "SELECT count(*) FROM scheduler.outbox WHERE aggregate_id = ANY(?)"
                + (type == null ? "" : " AND type = ?");
        Long count = jdbc.query(
                sql,
                ps -> {
                    ps.setArray(1, ps.getConnection().createArrayOf("text", ids));
                    if (type != null) {
                        ps.setString(2, type);
                    }
                },
                rs -> rs.next() ? rs.getLong(1) : 0L);
        return count == null ? 0 : count;
    }

    private List<String> outboxPayloads(WorkflowId wf, String type) {
        return jdbc.queryForList(
                "SELECT payload::text FROM scheduler.outbox WHERE aggregate_id = ? AND type = ? ORDER BY created_at, id",
                String.class,
                wf.value(),
                type);
    }

    private List<String> outboxTopics(WorkflowId wf) {
        return jdbc.queryForList(
                "SELECT topic FROM scheduler.outbox WHERE aggregate_id = ? ORDER BY created_at, id",
                String.class,
                wf.value());
    }

    private String runStatus(WorkflowId wf) {
        return jdbc.queryForObject(
                "SELECT status FROM scheduler.workflow_run WHERE workflow_id = ?", String.class, wf.value());
    }

    private String lastOutboxType(WorkflowId wf) {
        return jdbc.queryForObject(
                "SELECT type FROM scheduler.outbox WHERE aggregate_id = ? ORDER BY created_at DESC LIMIT 1",
                String.class,
                wf.value());
    }

    /** The task ids of each {@code TasksDispatched} of the workflow, in order. */
    private List<List<String>> dispatched(WorkflowId wf) {
        return outboxPayloads(wf, DISPATCHED).stream()
                .map(json -> CODEC.decode(json, TasksDispatched.class).tasks().stream()
                        .map(t -> t.taskId().value())
                        .toList())
                .toList();
    }

    private List<TaskDispatch> commands(WorkflowId wf) {
        return outboxPayloads(wf, DISPATCH).stream()
                .map(json -> CODEC.decode(json, TaskDispatch.class))
                .toList();
    }

    private List<TaskDispatch> allCommands(List<WorkflowId> workflows) {
        String[] ids = workflows.stream().map(WorkflowId::value).toArray(String[]::new);
        return jdbc
                .query(
                        "SELECT payload::text FROM scheduler.outbox WHERE aggregate_id = ANY(?) AND type = ?"
                                + " ORDER BY created_at, id",
                        ps -> {
                            ps.setArray(1, ps.getConnection().createArrayOf("text", ids));
                            ps.setString(2, DISPATCH);
                        },
                        (rs, row) -> rs.getString(1))
                .stream()
                .map(json -> CODEC.decode(json, TaskDispatch.class))
                .toList();
    }
}
