package dev.tributary.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.embedded.EmbeddedKafkaBroker;
import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.WorkflowSubmission;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import dev.tributary.testsupport.TributaryClient.Workflow;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 2's promises end to end: a submission appears exactly once, as accepted, on the history
 * log; and with Kafka away, submissions still commit and every one arrives once Kafka is back
 * (ARCHITECTURE §4.1, §4.7).
 */
class SubmissionDeliveryIntegrationTests {

    private static TestSystem system;
    private static History history;

    @BeforeAll
    static void start() {
        system = TestSystem.start("delivery");
        history = new History(system.history());
    }

    @AfterAll
    static void stop() {
        history.close();
        system.close();
    }

    @Test
    void submissionAppearsExactlyOnceAsAcceptedOnTheHistoryLog() {
        String json = Dags.diamond("noop").json();
        Workflow workflow = system.client.submit(json);
        history.awaitFinished(workflow.id());

        List<ConsumerRecord<byte[], byte[]>> accepted = history.records(workflow.id()).stream()
                .filter(record -> EventTypes.of(WorkflowEvent.WorkflowAccepted.class)
                        .equals(KafkaTestConsumer.header(record, Headers.CE_TYPE)))
                .toList();
        assertThat(accepted).hasSize(1);
        ConsumerRecord<byte[], byte[]> record = accepted.getFirst();
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(workflow.id());
        assertThat(KafkaTestConsumer.header(record, Headers.CE_SUBJECT)).isEqualTo(workflow.id());
        assertThat(KafkaTestConsumer.header(record, Headers.CE_SPECVERSION)).isEqualTo("1.0");
        assertThat(KafkaTestConsumer.header(record, Headers.CE_SOURCE)).isNotBlank();
        assertThat(KafkaTestConsumer.header(record, Headers.CE_TIME)).isNotBlank();
        assertThat(KafkaTestConsumer.header(record, Headers.CE_ID)).isNotBlank();
        assertThat(KafkaTestConsumer.header(record, Headers.CONTENT_TYPE)).isEqualTo("application/json");

        var event = EventCodec.json().decode(record.value(), WorkflowEvent.WorkflowAccepted.class);
        assertThat(event.workflowId().value()).isEqualTo(workflow.id());
        assertThat(event.definition())
                .isEqualTo(
                        EventCodec.json().decode(json, WorkflowSubmission.class).definition());
    }

    @Test
    void submissionsCommitWhileKafkaIsDownAndAllArriveWhenItIsBack() {
        EmbeddedKafkaBroker kafka = TestInfra.kafka();
        List<Workflow> accepted = new ArrayList<>();
        kafka.stop();
        try {
            for (int i = 0; i < 20; i++) {
                accepted.add(system.client.submit(Dags.named("while-kafka-is-down-" + i)
                        .task("only", "noop", List.of())
                        .json()));
            }
        } finally {
            kafka.start();
        }
        assertThat(accepted).hasSize(20);

        Set<String> ids = accepted.stream().map(Workflow::id).collect(Collectors.toSet());
        Awaitility.await("every accepted workflow reached the log")
                .atMost(Duration.ofSeconds(180))
                .ignoreExceptions()
                .until(() -> ids.stream()
                        .allMatch(id -> history.of(id).stream()
                                .anyMatch(e -> e.event() instanceof WorkflowEvent.WorkflowAccepted)));
        for (Workflow workflow : accepted) {
            workflow.awaitStatus("SUCCEEDED", Duration.ofSeconds(180));
        }
    }
}
