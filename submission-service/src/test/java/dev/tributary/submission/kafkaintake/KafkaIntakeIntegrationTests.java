package dev.tributary.submission.kafkaintake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.consumer.ReplayStatus;
import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.Origin;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.outbox.relay.OutboxRelay;
import dev.tributary.submission.SubmissionDatabase;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Submissions produced onto the submissions topic by a plain Kafka producer, consumed by the
 * service against a real broker and PostgreSQL, with the outbox relay on so that the {@code
 * WorkflowAccepted} events reach the history topic.
 *
 * <p>The error back-off is five minutes: a bad record that failed its batch (instead of being
 * dead-lettered on its own) would hold the records behind it far beyond every wait here.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext // stops the relay (and frees its replication slot) when the class is done
class KafkaIntakeIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final SubmissionTopics topics = new SubmissionTopics("kafka_intake", 3);

    private static final String TWO_TASKS = """
            {%s"name": "pipeline", "input": {"n": %d},
             "tasks": [{"id": "a", "type": "t"}, {"id": "b", "type": "t", "dependsOn": ["a"]}]}
            """;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        String url = TestInfra.newDatabase("kafka_intake");
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", () -> TestInfra.postgres().username());
        registry.add("spring.datasource.password", () -> TestInfra.postgres().password());
        topics.properties().forEach((name, value) -> registry.add(name, () -> value));
        registry.add("tributary.submission.kafka-intake.error-backoff", () -> "5m");
        registry.add("tributary.submission.max-body-size", () -> MAX_BODY_BYTES + "B");
        registry.add("tributary.outbox.enabled", () -> "true");
        registry.add("tributary.outbox.name", () -> TestInfra.uniqueName("intake"));
    }

    @AfterAll
    static void closeProducer() {
        topics.close();
    }

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    KafkaIntakeReplay replay;

    @Autowired
    MeterRegistry meters;

    @Autowired
    OutboxRelay relay;

    @BeforeEach
    void relayRunning() {
        // Rows written before the relay's replication slot exists would never be relayed.
        await().atMost(WAIT).until(relay::isRelaying);
    }

    private static String submission(@Nullable String id, int n) {
        return TWO_TASKS.formatted(id == null ? "" : "\"id\": \"" + id + "\", ", n);
    }

    @Test
    void recordsFromAPlainProducerBecomeWorkflowsWithTheirKafkaOriginOnTheHistory() {
        RecordMetadata idInValue = topics.send(null, submission("kafka-1", 1));
        RecordMetadata idFromKey = topics.send("kafka-2", submission(null, 2));
        RecordMetadata noIdAtAll = topics.send(null, submission(null, 3));

        await().atMost(WAIT)
                .until(() -> Stream.of(idInValue, idFromKey, noIdAtAll)
                        .allMatch(metadata -> topics.consumed(jdbc, metadata)));

        Map<Long, WorkflowAccepted> accepted = new HashMap<>();
        await().atMost(WAIT).untilAsserted(() -> {
            accepted.clear();
            for (ConsumerRecord<String, byte[]> record : topics.historyRecords()) {
                WorkflowEvent event = EventCodec.json()
                        .decodeEvent(KafkaTestConsumer.header(record, Headers.CE_TYPE), record.value());
                if (event instanceof WorkflowAccepted workflow && workflow.origin() != null) {
                    assertThat(record.key()).isEqualTo(workflow.workflowId().value());
                    accepted.put(
                            workflow.origin().offset() * 10 + workflow.origin().partition(), workflow);
                }
            }
            // Earlier tests' submissions are on the topic too: wait for these three.
            assertThat(accepted)
                    .containsKeys(Stream.of(idInValue, idFromKey, noIdAtAll)
                            .map(metadata -> metadata.offset() * 10 + metadata.partition())
                            .toArray(Long[]::new));
        });
        WorkflowAccepted first = acceptedFor(accepted, idInValue);
        WorkflowAccepted second = acceptedFor(accepted, idFromKey);
        WorkflowAccepted third = acceptedFor(accepted, noIdAtAll);
        assertThat(first.workflowId().value()).isEqualTo("kafka-1");
        assertThat(second.workflowId().value()).isEqualTo("kafka-2");
        assertThat(UUID.fromString(third.workflowId().value()).version()).isEqualTo(7);
        assertThat(first.definition().input().get("n").asInt()).isEqualTo(1);
        assertThat(third.definition().input().get("n").asInt()).isEqualTo(3);
        for (WorkflowAccepted workflow : List.of(first, second, third)) {
            String id = workflow.workflowId().value();
            assertThat(rowsOf(id)).containsExactly(1L, 2L, 1L);
            assertThat(workflow.definition().tasks()).hasSize(2);
        }
        assertThat(topics.deadLetters()).noneMatch(r -> "kafka-2".equals(r.key()));
    }

    private WorkflowAccepted acceptedFor(Map<Long, WorkflowAccepted> accepted, RecordMetadata metadata) {
        WorkflowAccepted workflow = accepted.get(metadata.offset() * 10 + metadata.partition());
        assertThat(workflow).as("WorkflowAccepted for %s", metadata).isNotNull();
        assertThat(workflow.origin())
                .isEqualTo(Origin.kafka(topics.submissions(), metadata.partition(), metadata.offset()));
        return workflow;
    }

    @Test
    void replayingTheIntakeFromATimestampAcceptsNothingTwice() {
        Instant from = Instant.now().truncatedTo(ChronoUnit.MILLIS).plusMillis(1);
        await().until(() -> Instant.now().isAfter(from)); // at most a millisecond
        RecordMetadata keyed = topics.send("replay-1", submission(null, 1));
        RecordMetadata anonymous = topics.send(null, submission(null, 2));
        await().atMost(WAIT).until(() -> topics.consumed(jdbc, keyed) && topics.consumed(jdbc, anonymous));
        assertThat(SubmissionDatabase.count(
                        jdbc,
                        "SELECT count(*) FROM submission.workflow WHERE origin ->> 'topic' = ?"
                                + " AND (origin ->> 'partition')::int = ? AND (origin ->> 'offset')::bigint = ?",
                        topics.submissions(),
                        anonymous.partition(),
                        anonymous.offset()))
                .isOne();
        long workflows = SubmissionDatabase.workflows(jdbc);
        long outbox = SubmissionDatabase.outboxRows(jdbc);
        double duplicates = duplicates();

        ReplayStatus started = replay.start(from);

        assertThat(started.requestedFrom()).isEqualTo(from);
        assertThat(started.total()).isEqualTo(2);
        await().atMost(WAIT).until(() -> replay.status().state() == ReplayStatus.State.FINISHED);
        assertThat(replay.status().replayed()).isEqualTo(2);
        assertThat(SubmissionDatabase.workflows(jdbc)).isEqualTo(workflows);
        assertThat(SubmissionDatabase.outboxRows(jdbc)).isEqualTo(outbox);
        assertThat(rowsOf("replay-1")).containsExactly(1L, 2L, 1L);
        assertThat(duplicates()).isEqualTo(duplicates + 2);
    }

    private double duplicates() {
        return meters.get("tributary.submission.kafka-intake.records")
                .tag("outcome", "duplicate")
                .counter()
                .count();
    }

    @Test
    void theSameSubmissionTwiceCreatesOneWorkflow() {
        RecordMetadata original = topics.send("dup-1", submission(null, 1));
        RecordMetadata again = topics.send("dup-1", submission(null, 1));
        RecordMetadata idInValueNow = topics.send("dup-1", submission("dup-1", 1));
        RecordMetadata reordered = topics.send("dup-1", """
                {"tasks": [{"type": "t", "id": "a"}, {"dependsOn": ["a"], "id": "b", "type": "t", "retry": null}],
                 "input": {"n": 1}, "labels": null, "name": "pipeline"}
                """);

        await().atMost(WAIT)
                .until(() -> Stream.of(original, again, idInValueNow, reordered)
                        .allMatch(metadata -> topics.consumed(jdbc, metadata)));

        assertThat(rowsOf("dup-1")).containsExactly(1L, 2L, 1L);
        assertThat(topics.deadLettersFor("dup-1")).isEmpty();
    }

    @Test
    void aConflictingDuplicateIsDeadLetteredAsConflictAndTheFirstDefinitionStays() {
        topics.send("conflict-1", submission(null, 1));
        RecordMetadata conflicting = topics.send("conflict-1", submission(null, 2));

        ConsumerRecord<String, byte[]> letter = awaitDeadLetter("conflict-1");

        assertDeadLetter(letter, conflicting, ReasonCode.CONFLICT, "/id");
        assertThat(errors(letter).get(0).get("reason").asString()).contains("input differs");
        assertThat(letter.value()).isEqualTo(submission(null, 2).getBytes(StandardCharsets.UTF_8));
        // The dead letter is sent inside the batch's transaction, which may not have committed yet.
        await().atMost(WAIT).until(() -> topics.consumed(jdbc, conflicting));
        assertThat(rowsOf("conflict-1")).containsExactly(1L, 2L, 1L);
        assertThat(jdbc.queryForObject(
                        "SELECT definition -> 'input' ->> 'n' FROM submission.workflow WHERE id = ?",
                        String.class,
                        "conflict-1"))
                .isEqualTo("1");
    }

    static Stream<Arguments> invalidRecords() {
        byte[] big = ("{\"name\": \"big\", \"input\": \"" + "x".repeat(MAX_BODY_BYTES) + "\", \"tasks\": [{\"id\":"
                        + " \"a\", \"type\": \"t\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] latin1 = "{\"name\": \"caf\u00e9\", \"tasks\": [{\"id\": \"a\", \"type\": \"t\"}]}"
                .getBytes(StandardCharsets.ISO_8859_1);
        return Stream.of(
                Arguments.of(
                        "malformed", utf8("{\"name\": \"x\", \"tasks\": ["), Map.of(), ReasonCode.MALFORMED, "/tasks"),
                Arguments.of("empty", new byte[0], Map.of(), ReasonCode.MALFORMED, ""),
                Arguments.of(
                        "wrong-type",
                        utf8("{\"name\": \"x\", \"tasks\": \"a\"}"),
                        Map.of(),
                        ReasonCode.MALFORMED,
                        "/tasks"),
                Arguments.of("not-utf8", latin1, Map.of(), ReasonCode.NOT_UTF8, ""),
                Arguments.of(
                        "schema",
                        utf8("{\"name\": \"x\", \"tasks\": [{\"id\": \"a\", \"type\": \"Upper Case\"}]}"),
                        Map.of(),
                        ReasonCode.INVALID,
                        "/tasks/0/type"),
                Arguments.of(
                        "cycle",
                        utf8("{\"name\": \"x\", \"tasks\": [{\"id\": \"a\", \"type\": \"t\", \"dependsOn\": [\"b\"]},"
                                + " {\"id\": \"b\", \"type\": \"t\", \"dependsOn\": [\"a\"]}]}"),
                        Map.of(),
                        ReasonCode.INVALID,
                        "/tasks/0/dependsOn/0"),
                Arguments.of("oversize", big, Map.of(), ReasonCode.TOO_LARGE, ""),
                Arguments.of(
                        "key-mismatch", utf8(submission("another-id", 1)), Map.of(), ReasonCode.KEY_MISMATCH, "/id"),
                Arguments.of("bad key!", utf8(submission(null, 1)), Map.of(), ReasonCode.INVALID, "/id"),
                Arguments.of(
                        "other-type",
                        utf8(submission(null, 1)),
                        Map.of(Headers.CE_TYPE, "tributary.workflow.cancel-requested.v1"),
                        ReasonCode.UNSUPPORTED_TYPE,
                        ""),
                Arguments.of(
                        "nul-in-input",
                        utf8("{\"name\": \"x\", \"input\": \"a\\u0000b\", \"tasks\": [{\"id\": \"a\", \"type\":"
                                + " \"t\"}]}"),
                        Map.of(),
                        ReasonCode.STORAGE_REJECTED,
                        ""));
    }

    @ParameterizedTest(name = "{3}: {0}")
    @MethodSource("invalidRecords")
    void anInvalidRecordIsDeadLetteredWithItsReasonAndStoresNothing(
            String key, byte[] value, Map<String, String> headers, ReasonCode code, String pointer) {
        RecordMetadata sent = topics.send(null, key, value, headers);

        ConsumerRecord<String, byte[]> letter = awaitDeadLetter(key);

        assertDeadLetter(letter, sent, code, pointer);
        assertThat(letter.value()).isEqualTo(value);
        for (Map.Entry<String, String> header : headers.entrySet()) {
            assertThat(KafkaTestConsumer.header(letter, header.getKey())).isEqualTo(header.getValue());
        }
        await().atMost(WAIT).until(() -> topics.consumed(jdbc, sent));
        assertThat(rowsOf(key)).containsExactly(0L, 0L, 0L);
        assertThat(rowsOf("another-id")).containsExactly(0L, 0L, 0L);
    }

    @Test
    void badRecordsBetweenValidOnesDoNotHoldThemUp() {
        int partition = 1;
        RecordMetadata before = topics.send(partition, "around-1", utf8(submission(null, 1)), Map.of());
        RecordMetadata malformed = topics.send(partition, "poison-1", utf8("{not json"), Map.of());
        RecordMetadata refusedByTheDatabase = topics.send(
                partition,
                "poison-2",
                utf8(
                        "{\"name\": \"x\", \"input\": {\"k\": \"\\u0000\"}, \"tasks\": [{\"id\": \"a\", \"type\": \"t\"}]}"),
                Map.of());
        RecordMetadata after = topics.send(partition, "around-2", utf8(submission(null, 2)), Map.of());

        await().atMost(WAIT).until(() -> topics.consumed(jdbc, after));

        assertThat(rowsOf("around-1")).containsExactly(1L, 2L, 1L);
        assertThat(rowsOf("around-2")).containsExactly(1L, 2L, 1L);
        assertThat(rowsOf("poison-2")).containsExactly(0L, 0L, 0L);
        assertDeadLetter(awaitDeadLetter("poison-1"), malformed, ReasonCode.MALFORMED, "");
        assertDeadLetter(awaitDeadLetter("poison-2"), refusedByTheDatabase, ReasonCode.STORAGE_REJECTED, "");
        assertThat(before.offset()).isLessThan(after.offset());
    }

    private ConsumerRecord<String, byte[]> awaitDeadLetter(String key) {
        return await().atMost(WAIT)
                .until(() -> topics.deadLettersFor(key), letters -> !letters.isEmpty())
                .getFirst();
    }

    private static void assertDeadLetter(
            ConsumerRecord<String, byte[]> letter, RecordMetadata original, ReasonCode code, String pointer) {
        assertThat(KafkaTestConsumer.header(letter, Headers.DLT_REASON_CODE)).isEqualTo(code.name());
        assertThat(KafkaTestConsumer.header(letter, Headers.DLT_REASON)).startsWith(code.name() + ": ");
        assertThat(KafkaTestConsumer.header(letter, Headers.DLT_ORIGINAL_TOPIC)).isEqualTo(original.topic());
        assertThat(KafkaTestConsumer.header(letter, Headers.DLT_ORIGINAL_PARTITION))
                .isEqualTo(Integer.toString(original.partition()));
        assertThat(KafkaTestConsumer.header(letter, Headers.DLT_ORIGINAL_OFFSET))
                .isEqualTo(Long.toString(original.offset()));
        assertThat(KafkaTestConsumer.header(letter, Headers.DLT_SOURCE)).isEqualTo("submission-service");
        List<JsonNode> errors = errors(letter);
        assertThat(errors).isNotEmpty();
        assertThat(errors)
                .allSatisfy(error -> assertThat(error.get("reason").asString()).isNotBlank());
        assertThat(errors.stream().map(error -> error.get("pointer").asString()))
                .contains(pointer);
    }

    private static List<JsonNode> errors(ConsumerRecord<String, byte[]> letter) {
        String json = KafkaTestConsumer.header(letter, Headers.DLT_ERRORS);
        assertThat(json).isNotNull();
        JsonNode errors = EventCodec.json().readTree(json.getBytes(StandardCharsets.UTF_8));
        assertThat(errors.isArray()).isTrue();
        return errors.valueStream().toList();
    }

    /** Workflow, task and outbox rows of one workflow id. */
    private List<Long> rowsOf(String id) {
        return List.of(
                SubmissionDatabase.count(jdbc, "SELECT count(*) FROM submission.workflow WHERE id = ?", id),
                SubmissionDatabase.count(jdbc, "SELECT count(*) FROM submission.task WHERE workflow_id = ?", id),
                SubmissionDatabase.count(
                        jdbc,
                        "SELECT count(*) FROM submission.outbox WHERE aggregate_id = ? AND type = ?",
                        id,
                        EventTypes.of(WorkflowAccepted.class)));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
