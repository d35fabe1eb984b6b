package dev.tributary.scheduler.history;

import static dev.tributary.scheduler.history.HistoryEvents.task;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.scheduler.SchedulerApplication;
import dev.tributary.scheduler.dag.Decision;
import dev.tributary.scheduler.dag.Decision.Dispatch;
import dev.tributary.scheduler.dag.Decision.Emit;
import dev.tributary.scheduler.dag.Transition;
import dev.tributary.scheduler.dag.WorkflowRun;
import dev.tributary.scheduler.dag.WorkflowStateMachine;
import dev.tributary.testsupport.TestInfra;
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
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * How fast the scheduler applies the history log, alone: a complete history of {@code WORKFLOWS}
 * 10-task workflows (what the relay and the workers would produce, workflows interleaved) is put on
 * a topic first, then the scheduler starts and the time until its stored offsets reach the end is
 * measured. Not part of the suite (the class name does not end in Tests); run it with
 * {@code ./mvnw -pl scheduler-service -am test -Dtest=SchedulerApplyBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false} and read the result in the test output.
 */
class SchedulerApplyBenchmark {

    private static final int WORKFLOWS = Integer.getInteger("bench.workflows", 2000);
    private static final int PARTITIONS = 3;

    @Test
    void measure() throws Exception {
        String topic = TestInfra.uniqueName("bench_events");
        String group = TestInfra.uniqueName("bench");
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
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                        topic, event.workflowId().value(), EventCodec.json().encode(event));
                record.headers().add(Headers.CE_TYPE, utf8(EventTypes.of(event.getClass())));
                record.headers().add(Headers.CE_ID, utf8(UUID.randomUUID().toString()));
                sent.add(producer.send(record));
            }
            for (Future<RecordMetadata> future : sent) {
                RecordMetadata metadata = future.get();
                lastOffset[metadata.partition()] = Math.max(lastOffset[metadata.partition()], metadata.offset());
            }
        }

        String database = TestInfra.newDatabase("bench");
        long started = System.nanoTime();
        try (ConfigurableApplicationContext context = new SpringApplication(SchedulerApplication.class)
                .run(
                        "--spring.main.web-application-type=none",
                        "--spring.datasource.url=" + database,
                        "--spring.datasource.username=" + TestInfra.postgres().username(),
                        "--spring.datasource.password=" + TestInfra.postgres().password(),
                        "--spring.kafka.bootstrap-servers=" + TestInfra.kafka().bootstrapServers(),
                        "--tributary.scheduler.events-topic=" + topic,
                        "--tributary.scheduler.consumer-group=" + group,
                        "--tributary.scheduler.auto-startup=false")) {
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            HistoryConsumer consumer = context.getBean(HistoryConsumer.class);
            long start = System.nanoTime();
            consumer.start();
            Awaitility.await()
                    .atMost(Duration.ofMinutes(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> caughtUp(jdbc, group, topic, lastOffset));
            double seconds = (System.nanoTime() - start) / 1e9;
            long outbox = jdbc.queryForObject("SELECT count(*) FROM scheduler.outbox", Long.class);
            System.out.printf(
                    "BENCH scheduler apply: %d workflows x 10 tasks, %d history events, %d outbox rows in %.2f s:"
                            + " %.0f events/s, %.0f workflows/s, %.0f tasks/s (setup %.1f s)%n",
                    WORKFLOWS,
                    log.size(),
                    outbox,
                    seconds,
                    log.size() / seconds,
                    WORKFLOWS / seconds,
                    WORKFLOWS * 10 / seconds,
                    (start - started) / 1e9);
        }
    }

    private static boolean caughtUp(JdbcTemplate jdbc, String group, String topic, long[] lastOffset) {
        Map<Integer, Long> stored = new HashMap<>();
        jdbc.query(
                "SELECT partition, next_offset FROM scheduler.consumer_offset WHERE group_id = ? AND topic = ?",
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

    /**
     * The full history of {@code count} workflows of 10 noop tasks (a root, a fan-out of 8, a
     * join), as the scheduler, the relay and the workers would write it, workflows interleaved at
     * random.
     */
    private static List<WorkflowEvent> history(int count) {
        WorkflowStateMachine machine = new WorkflowStateMachine();
        Random random = new Random(42);
        List<TaskDefinition> tasks = new ArrayList<>();
        tasks.add(task("root"));
        List<String> branches = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            branches.add("b" + i);
            tasks.add(task("b" + i, "root"));
        }
        tasks.add(task("join", branches.toArray(String[]::new)));
        WorkflowDefinition definition = new WorkflowDefinition("bench", null, Map.of(), null, null, tasks);

        List<Deque<WorkflowEvent>> pending = new ArrayList<>();
        List<@Nullable WorkflowRun> runs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Deque<WorkflowEvent> queue = new ArrayDeque<>();
            queue.add(new WorkflowAccepted(WorkflowId.of("bench-" + i), definition, Instant.now()));
            pending.add(queue);
            runs.add(null);
        }
        List<WorkflowEvent> log = new ArrayList<>();
        List<Integer> active = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            active.add(i);
        }
        while (!active.isEmpty()) {
            int slot = random.nextInt(active.size());
            int index = active.get(slot);
            Deque<WorkflowEvent> queue = pending.get(index);
            WorkflowEvent event = queue.poll();
            log.add(event);
            Transition transition = machine.apply(runs.get(index), event);
            runs.set(index, transition.run());
            for (Decision decision : transition.decisions()) {
                if (decision instanceof Dispatch dispatch) {
                    queue.add(dispatch.event());
                    for (TaskDispatch command : dispatch.commands()) {
                        queue.add(new TaskStarted(
                                command.workflowId(), command.taskId(), 1, TaskKind.TASK, "w", Instant.now()));
                        queue.add(new TaskSucceeded(
                                command.workflowId(), command.taskId(), 1, TaskKind.TASK, null, "w", Instant.now()));
                    }
                } else if (decision instanceof Emit emit) {
                    queue.add(emit.event());
                }
            }
            if (queue.isEmpty()) {
                active.remove(slot);
            }
        }
        return log;
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
