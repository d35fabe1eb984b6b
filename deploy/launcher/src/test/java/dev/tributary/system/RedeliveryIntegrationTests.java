package dev.tributary.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.Headers;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.launcher.TributarySystem;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import dev.tributary.testsupport.TributaryClient.Workflow;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Duplicates are harmless (ARCHITECTURE §4.2), restarts lose nothing and release nothing twice
 * (§4.3), and a task whose worker dies is run again by another worker (§4.5).
 */
class RedeliveryIntegrationTests {

    private static TestSystem system;
    private static History history;

    @BeforeAll
    static void start() {
        // No grace on shutdown: stopping the worker is a crash for the task it runs.
        system = TestSystem.start("redelivery", Map.of("tributary.worker.shutdown-grace", "0s"));
        history = new History(system.history());
    }

    @AfterAll
    static void stop() {
        history.close();
        system.close();
    }

    @Test
    void injectedDuplicateResultAndRedeliveredAcceptanceChangeNothing() throws Exception {
        Dags dag = Dags.diamond("noop");
        Workflow workflow = system.client.submit(dag.json());
        JsonNode before = workflow.awaitStatus("SUCCEEDED");
        history.awaitFinished(workflow.id());
        List<ConsumerRecord<byte[], byte[]>> original = history.records(workflow.id());
        long releasesBefore = countOf(workflow.id(), WorkflowEvent.TasksDispatched.class);
        long decisionsBefore = schedulerDecisions(workflow.id());

        List<ConsumerRecord<byte[], byte[]>> replay = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : original) {
            String type = KafkaTestConsumer.header(record, Headers.CE_TYPE);
            if ("tributary.workflow.accepted.v1".equals(type) || "tributary.task.succeeded.v1".equals(type)) {
                replay.add(record);
            }
        }
        assertThat(replay).hasSize(5);
        RecordMetadata last = null;
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (ConsumerRecord<byte[], byte[]> record : replay) {
                // The same record again (a redelivery), and a copy under a new event id.
                producer.send(new ProducerRecord<>(
                                system.eventsTopic, null, record.key(), record.value(), record.headers()))
                        .get();
                var copy =
                        new ProducerRecord<>(system.eventsTopic, null, record.key(), record.value(), record.headers());
                copy.headers().remove(Headers.CE_ID);
                copy.headers()
                        .add(new RecordHeader(
                                Headers.CE_ID, UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8)));
                last = producer.send(copy).get();
            }
        }
        awaitSchedulerPast(last);

        // The scheduler writes decisions in the transaction that advances its offsets: past the
        // injected records, any decision they caused would be in its outbox now.
        assertThat(schedulerDecisions(workflow.id())).as("scheduler decisions").isEqualTo(decisionsBefore);

        assertThat(countOf(workflow.id(), WorkflowEvent.TasksDispatched.class))
                .as("releases after the duplicates")
                .isEqualTo(releasesBefore);
        assertThat(countOf(workflow.id(), WorkflowEvent.WorkflowSucceeded.class))
                .isEqualTo(1);
        JsonNode after = workflow.get();
        assertThat(after.get("status").asString()).isEqualTo("SUCCEEDED");
        for (JsonNode task : after.get("tasks")) {
            JsonNode earlier =
                    DagExecutionIntegrationTests.task(before, task.get("id").asString());
            assertThat(task.get("attempt")).isEqualTo(earlier.get("attempt"));
            assertThat(task.get("status").asString()).isEqualTo("SUCCEEDED");
        }
    }

    @Test
    void workflowsFinishWhenTheSchedulerRestartsInTheMiddle() {
        List<Workflow> workflows = new ArrayList<>();
        List<Dags> dags = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Dags dag = Dags.named("restart-" + i)
                    .task("a", "sleep", List.of(), Map.of("duration", "PT0.5S"))
                    .task("b", "noop", List.of("a"))
                    .task("c", "sleep", List.of("a"), Map.of("duration", "PT0.2S"))
                    .task("d", "noop", List.of("b", "c"));
            dags.add(dag);
            workflows.add(system.client.submit(dag.json()));
        }
        // Stop as soon as the scheduler made its first release: the sleeping tasks keep most
        // workflows under way, and their results reach the log while no scheduler runs.
        Awaitility.await("the scheduler released tasks")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> workflows.stream()
                        .anyMatch(w -> history.of(w.id()).stream()
                                .anyMatch(e -> e.event() instanceof WorkflowEvent.TasksDispatched)));
        system.stop(TributarySystem.SCHEDULER);
        assertThat(workflows.stream()
                        .filter(w -> w.get().get("status").asString().equals("SUCCEEDED")))
                .as("workflows finished before the scheduler stopped")
                .hasSizeLessThan(workflows.size());
        system.restart(TributarySystem.SCHEDULER);

        for (int i = 0; i < workflows.size(); i++) {
            Workflow workflow = workflows.get(i);
            workflow.awaitStatus("SUCCEEDED");
            History.assertRanInDependencyOrder(
                    history.awaitFinished(workflow.id()), dags.get(i).dependencies());
        }
    }

    @Test
    void taskOfAKilledWorkerRunsOnAnotherWorker() {
        Dags dag = Dags.named("killed-worker")
                .task("slow", "sleep", List.of(), Map.of("duration", "PT3S"))
                .task("after", "noop", List.of("slow"));
        Workflow workflow = system.client.submit(dag.json());
        Awaitility.await("the slow task runs")
                .atMost(Duration.ofSeconds(120))
                .until(() -> workflow.taskStatus("slow").equals("RUNNING"));

        // The worker dies mid-task without committing its offset (no shutdown grace), then another
        // one starts. Stopping first: had the new worker started first, a slow start could outlast
        // the task, which would then finish on the old worker and never be redelivered.
        system.stop(TributarySystem.WORKER);
        system.restart(TributarySystem.WORKER);

        workflow.awaitStatus("SUCCEEDED");
        List<History.Entry> events = history.awaitFinished(workflow.id());
        long starts = events.stream()
                .filter(e -> e.event() instanceof WorkflowEvent.TaskStarted started
                        && started.taskId().value().equals("slow"))
                .count();
        assertThat(starts).as("the slow task started again after the kill").isGreaterThanOrEqualTo(2);
        History.assertRanInDependencyOrder(events, dag.dependencies());
    }

    private static long countOf(String workflowId, Class<? extends WorkflowEvent> type) {
        return history.of(workflowId).stream()
                .filter(e -> type.isInstance(e.event()))
                .map(History.Entry::ceId)
                .distinct()
                .count();
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.kafka().bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all"));
    }

    /** Waits until the scheduler's stored offset of the record's partition is beyond it. */
    private static void awaitSchedulerPast(RecordMetadata record) {
        Awaitility.await("scheduler consumed the injected records")
                .atMost(Duration.ofSeconds(60))
                .until(() -> schedulerOffset(record.partition()) > record.offset());
    }

    private static long schedulerDecisions(String workflowId) throws Exception {
        try (Connection connection = DriverManager.getConnection(
                        system.infra.jdbcUrl(), system.infra.username(), system.infra.password());
                PreparedStatement statement =
                        connection.prepareStatement("SELECT count(*) FROM scheduler.outbox WHERE aggregate_id = ?")) {
            statement.setString(1, workflowId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static long schedulerOffset(int partition) throws Exception {
        try (Connection connection = DriverManager.getConnection(
                        system.infra.jdbcUrl(), system.infra.username(), system.infra.password());
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT next_offset FROM scheduler.consumer_offset WHERE topic = ? AND partition = ?")) {
            statement.setString(1, system.eventsTopic);
            statement.setInt(2, partition);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getLong(1) : -1;
            }
        }
    }
}
