package dev.tributary.submission.projection;

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
import dev.tributary.submission.SubmissionApplication;
import dev.tributary.testsupport.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * How fast the status projection applies the history log, alone: the complete history of {@code
 * WORKFLOWS} 10-task workflows (root, fan-out of 8, join; 25 events each, workflows interleaved at
 * random, full CloudEvents headers) is put on a topic first, then the projection starts and the
 * time until its stored offsets reach the end is measured. Then a few list queries are timed. Not
 * part of the suite (the class name does not end in Tests); run it with {@code ./mvnw -pl
 * submission-service -am test -Dtest=ProjectionApplyBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * and read the {@code BENCH} lines in the test output.
 */
class ProjectionApplyBenchmark {

    private static final int WORKFLOWS = Integer.getInteger("bench.workflows", 2000);
    private static final int PARTITIONS = 3;

    @Test
    void measure() throws Exception {
        String topic = TestInfra.uniqueName("bench_events");
        String group = TestInfra.uniqueName("bench_projection");
        TestInfra.kafka().createTopic(topic, PARTITIONS);

        List<WorkflowEvent> log = history(WORKFLOWS);
        long[] lastOffset = new long[PARTITIONS];
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        TestInfra.kafka().bootstrapServers(),
                        ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (WorkflowEvent event : log) {
                EventEnvelope<WorkflowEvent> envelope = EventEnvelope.wrap(event, "/bench", Instant.now(), null);
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                        topic, envelope.subject(), EventCodec.json().encode(event));
                envelope.headers()
                        .forEach((name, value) -> record.headers().add(name, value.getBytes(StandardCharsets.UTF_8)));
                sent.add(producer.send(record));
            }
            for (Future<RecordMetadata> future : sent) {
                RecordMetadata metadata = future.get();
                lastOffset[metadata.partition()] = Math.max(lastOffset[metadata.partition()], metadata.offset());
            }
        }

        String database = TestInfra.newDatabase("bench");
        try (ConfigurableApplicationContext context = new SpringApplication(SubmissionApplication.class)
                .run(
                        "--server.port=0",
                        "--spring.datasource.url=" + database,
                        "--spring.datasource.username=" + TestInfra.postgres().username(),
                        "--spring.datasource.password=" + TestInfra.postgres().password(),
                        "--spring.kafka.bootstrap-servers=" + TestInfra.kafka().bootstrapServers(),
                        "--tributary.outbox.enabled=false",
                        "--tributary.submission.events-topic=" + topic,
                        "--tributary.submission.projection.consumer-group=" + group,
                        "--tributary.submission.projection.auto-startup=false")) {
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            ProjectionConsumer consumer = context.getBean(ProjectionConsumer.class);
            long start = System.nanoTime();
            consumer.start();
            Awaitility.await()
                    .atMost(Duration.ofMinutes(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> caughtUp(jdbc, group, topic, lastOffset));
            double seconds = (System.nanoTime() - start) / 1e9;
            long succeeded = jdbc.queryForObject(
                    "SELECT count(*) FROM submission.workflow WHERE status = 'SUCCEEDED'", Long.class);
            long events = jdbc.queryForObject("SELECT count(*) FROM submission.workflow_event", Long.class);
            Timer batches = context.getBean(MeterRegistry.class)
                    .get("tributary.submission.projection.batch")
                    .timer();
            System.out.printf(
                    "BENCH projection apply: %d workflows x 10 tasks (%d SUCCEEDED), %d history events (%d stored)"
                            + " in %.2f s: %.0f events/s, %.0f workflows/s; %d batches, mean %.1f ms, max %.1f ms%n",
                    WORKFLOWS,
                    succeeded,
                    log.size(),
                    events,
                    seconds,
                    log.size() / seconds,
                    WORKFLOWS / seconds,
                    batches.count(),
                    batches.mean(TimeUnit.MILLISECONDS),
                    batches.max(TimeUnit.MILLISECONDS));

            jdbc.execute("ANALYZE submission.workflow");
            for (String query : List.of(
                    "SELECT id FROM submission.workflow ORDER BY created_at DESC, id DESC LIMIT 51",
                    "SELECT id FROM submission.workflow WHERE status = ANY('{RUNNING}') ORDER BY created_at DESC,"
                            + " id DESC LIMIT 51",
                    "SELECT id FROM submission.workflow WHERE (definition -> 'labels') @> '{\"shard\":\"7\"}'"
                            + " ORDER BY created_at DESC, id DESC LIMIT 51")) {
                String plan = String.join(" / ", jdbc.queryForList("EXPLAIN " + query, String.class));
                long t0 = System.nanoTime();
                for (int i = 0; i < 50; i++) {
                    jdbc.queryForList(query, String.class);
                }
                System.out.printf(
                        "BENCH list query %.2f ms: %s%n   plan: %s%n",
                        (System.nanoTime() - t0) / 50 / 1e6, query, plan);
            }
        }
    }

    private static boolean caughtUp(JdbcTemplate jdbc, String group, String topic, long[] lastOffset) {
        Map<Integer, Long> stored = new HashMap<>();
        jdbc.query(
                "SELECT partition, next_offset FROM submission.consumer_offset WHERE group_id = ? AND topic = ?",
                rs -> {
                    stored.put(rs.getInt(1), rs.getLong(2));
                },
                group,
                topic);
        for (int p = 0; p < lastOffset.length; p++) {
            Long next = stored.get(p);
            if (next == null || next <= lastOffset[p]) {
                return false;
            }
        }
        return true;
    }

    /** The complete history of {@code count} workflows, interleaved at random (each in its order). */
    private static List<WorkflowEvent> history(int count) {
        Random random = new Random(42);
        List<TaskDefinition> tasks = new ArrayList<>();
        tasks.add(task("root"));
        List<String> branches = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            branches.add("b" + i);
            tasks.add(task("b" + i, "root"));
        }
        tasks.add(task("join", branches.toArray(String[]::new)));
        List<Deque<WorkflowEvent>> pending = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            WorkflowId wf = WorkflowId.of("bench-" + i);
            WorkflowDefinition definition =
                    new WorkflowDefinition("bench", null, Map.of("shard", Integer.toString(i % 10)), null, null, tasks);
            Deque<WorkflowEvent> events = new ArrayDeque<>();
            events.add(new WorkflowAccepted(wf, definition, Instant.now()));
            release(events, wf, List.of("root"));
            release(events, wf, branches);
            release(events, wf, List.of("join"));
            events.add(new WorkflowSucceeded(wf, Instant.now()));
            pending.add(events);
        }
        List<WorkflowEvent> log = new ArrayList<>();
        List<Integer> active = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            active.add(i);
        }
        while (!active.isEmpty()) {
            int slot = random.nextInt(active.size());
            Deque<WorkflowEvent> queue = pending.get(active.get(slot));
            log.add(queue.poll());
            if (queue.isEmpty()) {
                active.set(slot, active.getLast());
                active.removeLast();
            }
        }
        return log;
    }

    private static void release(Deque<WorkflowEvent> events, WorkflowId wf, List<String> taskIds) {
        events.add(new TasksDispatched(
                wf,
                taskIds.stream()
                        .map(id -> new DispatchedTask(TaskId.of(id), "noop", 1, TaskKind.TASK, null))
                        .toList(),
                Instant.now()));
        for (String id : taskIds) {
            events.add(new TaskStarted(wf, TaskId.of(id), 1, TaskKind.TASK, "w", Instant.now()));
            events.add(new TaskSucceeded(wf, TaskId.of(id), 1, TaskKind.TASK, null, "w", Instant.now()));
        }
    }

    private static TaskDefinition task(String id, String... dependsOn) {
        return new TaskDefinition(
                TaskId.of(id),
                "noop",
                null,
                dependsOn.length == 0
                        ? null
                        : List.of(dependsOn).stream().map(TaskId::of).toList(),
                null,
                null,
                null);
    }
}
