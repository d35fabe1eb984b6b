package dev.tributary.scheduler.history;

import static dev.tributary.scheduler.history.HistoryEvents.definition;
import static dev.tributary.scheduler.history.HistoryEvents.succeeded;
import static dev.tributary.scheduler.history.HistoryEvents.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.consumer.ReplayStatus;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.outbox.relay.OutboxRelay;
import dev.tributary.scheduler.SchedulerApplication;
import dev.tributary.testsupport.TestInfra;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A rebuild with the real outbox relay (Debezium on the embedded PostgreSQL) putting the
 * scheduler's decisions on the history topic: the rebuild waits until what the outbox holds is
 * relayed before it takes the barrier, so a decision just taken is on the log and not re-issued.
 */
@SpringBootTest(classes = SchedulerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext // stops the relay (and frees its replication slot) when the class is done
class SchedulerRebuildWithRelayIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String EVENTS = TestInfra.uniqueName("relayed_events");
    private static final String DEAD_LETTERS = TestInfra.uniqueName("dead_letters");

    private static SchedulerTestKafka kafka;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    SchedulerRebuild rebuild;

    @Autowired
    OutboxRelay relay;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestInfra.kafka().createTopic(EVENTS, 2);
        TestInfra.kafka().createTopic(DEAD_LETTERS, 1);
        String url = TestInfra.newDatabase("rebuild_relay"); // once: every reader of the property gets this one
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", () -> TestInfra.postgres().username());
        registry.add("spring.datasource.password", () -> TestInfra.postgres().password());
        registry.add("spring.kafka.bootstrap-servers", () -> TestInfra.kafka().bootstrapServers());
        registry.add("tributary.outbox.enabled", () -> "true");
        registry.add("tributary.outbox.name", () -> TestInfra.uniqueName("rebuild"));
        registry.add("tributary.outbox.dead-letter-topic", () -> DEAD_LETTERS);
        registry.add("tributary.outbox.heartbeat-interval", () -> "200ms");
        registry.add("tributary.outbox.offset-flush-interval", () -> "200ms");
        registry.add("tributary.scheduler.events-topic", () -> EVENTS);
        registry.add("tributary.scheduler.dead-letter-topic", () -> DEAD_LETTERS);
        registry.add("tributary.scheduler.tasks-topic-prefix", () -> TestInfra.uniqueName("tasks") + ".");
        registry.add("tributary.scheduler.cancellations-topic", () -> TestInfra.uniqueName("cancellations"));
        registry.add("tributary.scheduler.consumer-group", () -> TestInfra.uniqueName("scheduler"));
        registry.add("tributary.scheduler.poll-timeout", () -> "200ms");
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
    void aRebuildRightAfterADecisionWaitsForItsRelayAndIssuesItOnlyOnce() {
        await().atMost(WAIT).until(relay::isRelaying);
        WorkflowId wf = WorkflowId.of(TestInfra.uniqueName("wf"));
        kafka.produce(EVENTS, new WorkflowAccepted(wf, definition(task("a"), task("b", "a")), Instant.now()));
        awaitOutbox(wf, 2);
        kafka.produce(EVENTS, succeeded(wf, "a", "{}"));
        awaitOutbox(wf, 4); // b released: decided, maybe not yet relayed

        ReplayStatus started = rebuild.start();

        assertThat(started.total()).isGreaterThanOrEqualTo(4); // accepted, a released, a succeeded, b released
        await().atMost(WAIT).until(() -> rebuild.status().state() == ReplayStatus.State.FINISHED);
        assertThat(countOutbox(wf)).as("nothing on the log decided again").isEqualTo(4);
        assertThat(status(wf)).isEqualTo("RUNNING");

        kafka.produce(EVENTS, succeeded(wf, "b", "{}"));
        await().atMost(WAIT).until(() -> "SUCCEEDED".equals(status(wf)));
        assertThat(countOutbox(wf)).isEqualTo(5);
    }

    private void awaitOutbox(WorkflowId wf, int rows) {
        await().atMost(WAIT).until(() -> countOutbox(wf) >= rows);
        assertThat(countOutbox(wf)).isEqualTo(rows);
    }

    private long countOutbox(WorkflowId wf) {
        Long count = jdbc.queryForObject(
                "SELECT count(*) FROM scheduler.outbox WHERE aggregate_id = ?", Long.class, wf.value());
        return count == null ? 0 : count;
    }

    private String status(WorkflowId wf) {
        List<String> found = jdbc.queryForList(
                "SELECT status FROM scheduler.workflow_run WHERE workflow_id = ?", String.class, wf.value());
        return found.isEmpty() ? "" : found.getFirst();
    }
}
