package dev.tributary.scheduler.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.consumer.OffsetStore;
import dev.tributary.consumer.OffsetStore.Advance;
import dev.tributary.consumer.OffsetStore.ConsumerFencedException;
import dev.tributary.events.EventTypes;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.Compensation;
import dev.tributary.events.definition.RetryPolicy;
import dev.tributary.events.definition.TaskDefaults;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.TaskTimeout;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TaskFailed;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskRetryDue;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.history.WorkflowEvent.WorkflowRetryRequested;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.scheduler.SchedulerApplication;
import dev.tributary.scheduler.dag.Decision.CancelTimer;
import dev.tributary.scheduler.dag.Decision.ScheduleTimer;
import dev.tributary.scheduler.dag.Decision.TimerKey;
import dev.tributary.scheduler.dag.TaskStatus;
import dev.tributary.scheduler.dag.Transition;
import dev.tributary.scheduler.dag.WorkflowRun;
import dev.tributary.scheduler.dag.WorkflowStateMachine;
import dev.tributary.scheduler.dag.WorkflowStatus;
import dev.tributary.scheduler.history.RunRepository.Loaded;
import dev.tributary.scheduler.history.RunRepository.Save;
import dev.tributary.scheduler.timer.TimerPoller;
import dev.tributary.scheduler.timer.TimerStore;
import dev.tributary.testsupport.TestInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** The scheduler's tables on a real PostgreSQL (consumer and timer poller not started). */
@SpringBootTest(classes = SchedulerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class SchedulerStoreIntegrationTests {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00.123456789Z");

    @Autowired
    RunRepository runs;

    @Autowired
    OffsetStore offsets;

    @Autowired
    TimerStore timers;

    @Autowired
    TimerPoller poller;

    @Autowired
    WorkflowStateMachine machine;

    @Autowired
    JdbcTemplate jdbc;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> TestInfra.newDatabase("scheduler_store"));
        registry.add("spring.datasource.username", () -> TestInfra.postgres().username());
        registry.add("spring.datasource.password", () -> TestInfra.postgres().password());
        // These tests stop at the outbox rows; relaying them is the relay library's to test.
        registry.add("tributary.outbox.enabled", () -> "false");
        registry.add("spring.kafka.bootstrap-servers", () -> "localhost:1");
        registry.add("tributary.scheduler.auto-startup", () -> "false");
        registry.add("tributary.scheduler.timers.enabled", () -> "false");
        registry.add("tributary.scheduler.events-topic", () -> "events-under-test");
    }

    @Test
    void runsRoundTripThroughTheirTablesWithEveryField() {
        WorkflowId wf = WorkflowId.of(TestInfra.uniqueName("wf"));
        RetryPolicy retry = new RetryPolicy(3, Duration.ofSeconds(2), 1.5, Duration.ofMinutes(1), 0.2, List.of("BAD"));
        WorkflowDefinition definition = new WorkflowDefinition(
                "round-trip",
                json("{\"in\":[1,2.5,\"x\",null,true]}"),
                Map.of("team", "core", "env", "test"),
                Duration.ofHours(1),
                new TaskDefaults(null, new TaskTimeout(Duration.ofMinutes(5), Duration.ofSeconds(30))),
                List.of(
                        task("a", null, null),
                        task("b", retry, null, "a"),
                        task("c", null, new TaskTimeout(Duration.ofSeconds(90), null), "a"),
                        task("d", null, null, "b", "c")));
        List<WorkflowEvent> events = List.of(
                new WorkflowAccepted(wf, definition, T0),
                new TaskStarted(wf, TaskId.of("a"), 1, TaskKind.TASK, "w", T0.plusSeconds(1)),
                new TaskSucceeded(
                        wf, TaskId.of("a"), 1, TaskKind.TASK, json("{\"big\":\"output\"}"), "w", T0.plusSeconds(2)));
        Transition first = machine.applyAll(null, events);
        WorkflowRun created = first.run();
        assertThat(created).isNotNull();

        runs.saveAll(List.of(new Save(created, null)));
        Loaded loaded = runs.load(List.of(wf)).get(wf);

        assertThat(loaded.run()).isEqualTo(created);
        assertThat(loaded.version()).isZero();

        Transition second = machine.applyAll(
                loaded.run(),
                List.of(
                        new TaskFailed(
                                wf, TaskId.of("b"), 1, TaskKind.TASK, "E", "broken", true, "w", T0.plusSeconds(3)),
                        new TaskStarted(wf, TaskId.of("c"), 1, TaskKind.TASK, "w", T0.plusSeconds(4))));
        WorkflowRun updated = second.run();
        assertThat(updated).isNotNull();
        assertThat(updated.task(TaskId.of("b")).status()).isEqualTo(TaskStatus.RETRY_WAIT);
        runs.saveAll(List.of(new Save(updated, loaded)));
        Loaded reloaded = runs.load(List.of(wf)).get(wf);

        assertThat(reloaded.run()).isEqualTo(updated);
        assertThat(reloaded.version()).isEqualTo(1);

        WorkflowRun failed = machine.apply(
                        updated,
                        new TaskFailed(
                                wf, TaskId.of("c"), 1, TaskKind.TASK, "BAD", "no", false, "w", T0.plusSeconds(5)))
                .run();
        assertThat(failed).isNotNull();
        // b still waits for its retry, so the run records the failure and keeps running
        assertThat(failed.status()).isEqualTo(WorkflowStatus.RUNNING);
        assertThat(failed.failure()).isNotNull();
        runs.saveAll(List.of(new Save(failed, reloaded)));
        Loaded failing = runs.load(List.of(wf)).get(wf);
        assertThat(failing.run()).isEqualTo(failed);

        WorkflowRun done = machine.applyAll(
                        failing.run(),
                        List.of(
                                new TaskRetryDue(wf, TaskId.of("b"), 2, TaskKind.TASK, T0.plusSeconds(6)),
                                new TaskFailed(
                                        wf,
                                        TaskId.of("b"),
                                        2,
                                        TaskKind.TASK,
                                        "BAD",
                                        "no",
                                        false,
                                        "w",
                                        T0.plusSeconds(7))))
                .run();
        assertThat(done).isNotNull();
        runs.saveAll(List.of(new Save(done, failing)));
        WorkflowRun ended = runs.load(List.of(wf)).get(wf).run();
        assertThat(ended).isEqualTo(done);
        assertThat(ended.status()).isEqualTo(WorkflowStatus.FAILED);
        assertThat(ended.outcome()).isNotNull();
    }

    @Test
    void updatingFromAStaleVersionFails() {
        WorkflowId wf = WorkflowId.of(TestInfra.uniqueName("wf"));
        WorkflowRun run = machine.apply(
                        null,
                        new WorkflowAccepted(
                                wf,
                                new WorkflowDefinition("v", null, Map.of(), null, null, List.of(task("a", null, null))),
                                T0))
                .run();
        assertThat(run).isNotNull();
        runs.saveAll(List.of(new Save(run, null)));
        Loaded loaded = runs.load(List.of(wf)).get(wf);
        WorkflowRun next = machine.apply(loaded.run(), new TaskStarted(wf, TaskId.of("a"), 1, TaskKind.TASK, "w", T0))
                .run();
        assertThat(next).isNotNull();
        runs.saveAll(List.of(new Save(next, loaded)));

        assertThatThrownBy(() -> runs.saveAll(List.of(new Save(next, loaded))))
                .isInstanceOf(OptimisticLockingFailureException.class);
    }

    @Test
    void offsetsAdvanceOnlyFromThePositionTheConsumerLastSaw() {
        String group = TestInfra.uniqueName("group");
        TopicPartition partition = new TopicPartition("history", 0);

        offsets.advance(group, Map.of(partition, new Advance(OffsetStore.NONE, 5)));
        offsets.advance(group, Map.of(partition, new Advance(5, 9)));

        assertThat(offsets.load(group, List.of(partition, new TopicPartition("history", 1))))
                .containsExactly(Map.entry(partition, 9L));
        assertThatThrownBy(() -> offsets.advance(group, Map.of(partition, new Advance(5, 12))))
                .isInstanceOf(ConsumerFencedException.class);
        assertThatThrownBy(() -> offsets.advance(group, Map.of(partition, new Advance(OffsetStore.NONE, 3))))
                .isInstanceOf(ConsumerFencedException.class);
        assertThat(offsets.load(group, List.of(partition))).containsEntry(partition, 9L);
    }

    @Test
    void timersAreReplacedDisarmedAndFiredOnceIntoTheOutboxWhenDue() {
        WorkflowId wf = WorkflowId.of(TestInfra.uniqueName("wf"));
        Instant past = Instant.now().minusSeconds(60);
        TaskRetryDue due = new TaskRetryDue(wf, TaskId.of("a"), 2, TaskKind.TASK, past);
        TimerKey retry = new TimerKey(wf, "retry/a/2");
        TimerKey later = new TimerKey(wf, "retry/b/2");
        TimerKey cancelled = new TimerKey(wf, "retry/c/2");
        timers.arm(List.of(
                new ScheduleTimer(retry, Instant.now().plusSeconds(3600), due),
                new ScheduleTimer(later, Instant.now().plusSeconds(3600), due),
                new ScheduleTimer(cancelled, past, due)));
        timers.arm(List.of(new ScheduleTimer(retry, past, due)));
        timers.disarm(List.of(new CancelTimer(cancelled), new CancelTimer(new TimerKey(wf, "never-armed"))));

        poller.fireDue();
        poller.fireDue();

        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT topic, type, payload::text AS payload FROM scheduler.outbox WHERE aggregate_id = ?",
                wf.value());
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst())
                .containsEntry("topic", "events-under-test")
                .containsEntry("type", EventTypes.of(TaskRetryDue.class));
        assertThat(EventCodec.json().decode((String) rows.getFirst().get("payload"), TaskRetryDue.class))
                .isEqualTo(due);
        assertThat(jdbc.queryForList(
                        "SELECT timer_key FROM scheduler.timer WHERE workflow_id = ?", String.class, wf.value()))
                .containsExactly(later.name());
    }

    @Test
    void compensationFailureAndRerunRoundTripAndARerunTasksNewOutputReplacesTheOldOne() {
        WorkflowId wf = WorkflowId.of(TestInfra.uniqueName("wf"));
        TaskDefinition a = new TaskDefinition(
                TaskId.of("a"), "noop", null, null, null, null, new Compensation("undo", json("{}"), null));
        WorkflowDefinition definition = new WorkflowDefinition(
                "saga", null, Map.of(), Duration.ofHours(1), null, List.of(a, task("b", null, null, "a")));
        WorkflowRun compensating = machine.applyAll(
                        null,
                        List.of(
                                new WorkflowAccepted(wf, definition, T0),
                                new TaskSucceeded(wf, TaskId.of("a"), 1, TaskKind.TASK, json("{\"v\":1}"), "w", T0),
                                new TaskFailed(
                                        wf,
                                        TaskId.of("b"),
                                        1,
                                        TaskKind.TASK,
                                        "E",
                                        "no",
                                        false,
                                        "w",
                                        T0.plusSeconds(1))))
                .run();
        assertThat(compensating).isNotNull();
        assertThat(compensating.status()).isEqualTo(WorkflowStatus.COMPENSATING);
        Loaded stored = save(compensating, null);
        assertThat(stored.run()).isEqualTo(compensating);

        WorkflowRun failed = machine.apply(
                        stored.run(),
                        new TaskSucceeded(wf, TaskId.of("a"), 1, TaskKind.COMPENSATION, null, "w", T0.plusSeconds(2)))
                .run();
        assertThat(failed).isNotNull();
        stored = save(failed, stored);
        assertThat(stored.run()).isEqualTo(failed);

        WorkflowRun rerun = machine.apply(stored.run(), new WorkflowRetryRequested(wf, null, T0.plusSeconds(60)))
                .run();
        assertThat(rerun).isNotNull();
        assertThat(rerun.reruns()).isEqualTo(1);
        assertThat(rerun.compensationAttempts()).containsEntry(TaskId.of("a"), 1);
        stored = save(rerun, stored);
        assertThat(stored.run()).isEqualTo(rerun);
        assertThat(stored.run().task(TaskId.of("a")).output()).isNull();

        WorkflowRun again = machine.apply(
                        stored.run(),
                        new TaskSucceeded(
                                wf, TaskId.of("a"), 2, TaskKind.TASK, json("{\"v\":2}"), "w", T0.plusSeconds(61)))
                .run();
        assertThat(again).isNotNull();
        stored = save(again, stored);
        assertThat(stored.run()).isEqualTo(again);
        assertThat(stored.run().task(TaskId.of("a")).output()).isEqualTo(json("{\"v\":2}"));
    }

    @Test
    void stateWrittenBeforeFailureSemanticsLoadsWithDefaults() {
        WorkflowId wf = WorkflowId.of(TestInfra.uniqueName("wf"));
        WorkflowDefinition definition =
                new WorkflowDefinition("old", null, Map.of(), null, null, List.of(task("a", null, null)));
        jdbc.update(
                """
                INSERT INTO scheduler.workflow_run (workflow_id, status, definition, accepted_at, state,
                    outcome_type, outcome, outcome_logged, version)
                VALUES (?, 'RUNNING', ?::jsonb, ?, ?::jsonb, NULL, NULL, false, 3)
                """,
                wf.value(),
                EventCodec.json().encodeToString(definition),
                java.time.OffsetDateTime.ofInstant(T0, java.time.ZoneOffset.UTC),
                "{\"acceptedAt\":\"" + T0 + "\",\"tasks\":{\"a\":{\"status\":\"DISPATCHED\",\"attempt\":1,"
                        + "\"logged\":true,\"error\":null,\"startBy\":null,\"deadline\":null,\"retryAt\":null}}}");

        Loaded loaded = runs.load(List.of(wf)).get(wf);

        assertThat(loaded.version()).isEqualTo(3);
        WorkflowRun run = loaded.run();
        assertThat(run.status()).isEqualTo(WorkflowStatus.RUNNING);
        assertThat(run.task(TaskId.of("a")).status()).isEqualTo(TaskStatus.DISPATCHED);
        assertThat(run.compensations()).isEmpty();
        assertThat(run.failure()).isNull();
        assertThat(run.reruns()).isZero();
        assertThat(run.runningSince()).isEqualTo(T0);
        assertThat(run.compensationAttempts()).isEmpty();
        assertThat(machine.apply(run, new TaskSucceeded(wf, TaskId.of("a"), 1, TaskKind.TASK, null, "w", T0))
                        .run()
                        .status())
                .isEqualTo(WorkflowStatus.SUCCEEDED);
    }

    private Loaded save(WorkflowRun run, @Nullable Loaded previous) {
        runs.saveAll(List.of(new Save(run, previous)));
        return runs.load(List.of(run.id())).get(run.id());
    }

    private static TaskDefinition task(
            String id, @Nullable RetryPolicy retry, @Nullable TaskTimeout timeout, String... dependsOn) {
        List<TaskId> deps = new ArrayList<>();
        for (String dep : dependsOn) {
            deps.add(TaskId.of(dep));
        }
        return new TaskDefinition(
                TaskId.of(id),
                "noop",
                json("{\"id\":\"" + id + "\"}"),
                deps.isEmpty() ? null : deps,
                retry,
                timeout,
                null);
    }

    private static JsonNode json(String text) {
        return EventCodec.json().readTree(text.getBytes(StandardCharsets.UTF_8));
    }
}
