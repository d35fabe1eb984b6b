package dev.tributary.submission.kafkaintake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.submission.SubmissionApplication;
import dev.tributary.submission.SubmissionDatabase;
import dev.tributary.testsupport.TestInfra;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * A batch of 5,000 submissions survives the service dying in the middle of a batch: the first
 * instance is stopped while a batch is half written (its database connections cut, then the
 * context closed), a second instance on the same database and consumer group takes over, and every
 * submission ends up stored exactly once, nothing dead-lettered.
 */
class KafkaIntakeRestartIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final int RECORDS = 5_000;
    private static final String BLOCKED_ID = "bulk-2500";

    @Test
    void fiveThousandRecordsAreAllAcceptedOnceAfterTheServiceIsKilledMidBatchAndRestarted() throws Exception {
        String url = TestInfra.newDatabase("kafka_intake_restart");
        JdbcTemplate jdbc = new JdbcTemplate(new DriverManagerDataSource(
                url, TestInfra.postgres().username(), TestInfra.postgres().password()));
        try (SubmissionTopics topics = new SubmissionTopics("kafka_intake_restart", 3)) {
            Map<Integer, Long> end;
            try (SingleConnectionDataSource blocker = new SingleConnectionDataSource(
                    url, TestInfra.postgres().username(), TestInfra.postgres().password(), true)) {
                ConfigurableApplicationContext first = start(url, topics);
                // Hold the id of one record in an open transaction: the instance's batch that
                // reaches it waits there, its earlier records written but not committed.
                Connection connection = blocker.getConnection();
                connection.setAutoCommit(false);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("SET application_name = 'blocker'");
                    statement.executeUpdate("INSERT INTO submission.workflow (id, name, status, definition,"
                            + " definition_sha256, task_count, created_at, updated_at) VALUES ('" + BLOCKED_ID
                            + "', 'blocker', 'ACCEPTED', '{}', 'x', 0, now(), now())");
                }
                // Produced only now that the id is held: the running instance cannot pass it first.
                end = produce(topics);
                await().atMost(WAIT).until(() -> waitingOnALock(jdbc));
                long committedAtKill = SubmissionDatabase.workflows(jdbc);

                // The kill: every connection of the instance dies with its transaction, then it stops.
                jdbc.queryForList("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        + " AND application_name <> 'blocker'");
                first.close();
                connection.rollback();

                assertThat(committedAtKill).isLessThan(RECORDS);
                assertThat(SubmissionDatabase.workflows(jdbc)).isLessThan(RECORDS);
            }

            try (ConfigurableApplicationContext second = start(url, topics)) {
                await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
                    Map<Integer, Long> stored = topics.storedOffsets(jdbc);
                    return end.entrySet().stream().allMatch(e -> stored.getOrDefault(e.getKey(), 0L) >= e.getValue());
                });
                assertThat(second.isRunning()).isTrue();
            }

            assertThat(SubmissionDatabase.workflows(jdbc)).isEqualTo(RECORDS);
            assertThat(SubmissionDatabase.count(jdbc, "SELECT count(DISTINCT aggregate_id) FROM submission.outbox"))
                    .isEqualTo(RECORDS);
            assertThat(SubmissionDatabase.outboxRows(jdbc)).isEqualTo(RECORDS);
            assertThat(SubmissionDatabase.tasks(jdbc)).isEqualTo(RECORDS);
            assertThat(SubmissionDatabase.count(
                            jdbc,
                            "SELECT count(*) FROM submission.workflow WHERE id = ? AND name = 'bulk'",
                            BLOCKED_ID))
                    .isOne();
            assertThat(topics.deadLetters()).isEmpty();
        }
    }

    /** Produces the records, keyed {@code bulk-<i>}; returns the end offset of each partition. */
    private static Map<Integer, Long> produce(SubmissionTopics topics) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>(RECORDS);
        for (int i = 0; i < RECORDS; i++) {
            byte[] value = ("{\"name\": \"bulk\", \"input\": {\"i\": " + i
                            + "}, \"tasks\": [{\"id\": \"only\", \"type\": \"bulk.work\"}]}")
                    .getBytes(StandardCharsets.UTF_8);
            sent.add(topics.sendAsync(null, "bulk-" + i, value, Map.of()));
        }
        topics.flush();
        Map<Integer, Long> end = new HashMap<>();
        for (Future<RecordMetadata> future : sent) {
            RecordMetadata metadata = future.get(60, TimeUnit.SECONDS);
            end.merge(metadata.partition(), metadata.offset() + 1, Math::max);
        }
        return end;
    }

    private static boolean waitingOnALock(JdbcTemplate jdbc) {
        return SubmissionDatabase.count(
                        jdbc,
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                + " AND wait_event_type = 'Lock'")
                > 0;
    }

    private static ConfigurableApplicationContext start(String url, SubmissionTopics topics) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.config.name=submission-service",
                "--server.port=0",
                "--spring.datasource.url=" + url,
                "--spring.datasource.username=" + TestInfra.postgres().username(),
                "--spring.datasource.password=" + TestInfra.postgres().password(),
                "--tributary.outbox.enabled=false",
                // A failed batch is not retried by the instance being killed.
                "--tributary.submission.kafka-intake.error-backoff=5m",
                "--tributary.submission.kafka-intake.max-poll-records=200"));
        topics.properties().forEach((name, value) -> args.add("--" + name + "=" + value));
        return new SpringApplication(SubmissionApplication.class).run(args.toArray(String[]::new));
    }
}
