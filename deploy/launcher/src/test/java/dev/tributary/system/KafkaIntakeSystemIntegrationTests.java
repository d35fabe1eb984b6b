package dev.tributary.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.Headers;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.Origin;
import dev.tributary.testsupport.KafkaTestConsumer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue 6 end to end: workflows produced onto the submissions topic by a plain Kafka producer run to
 * the end like HTTP submissions, and their history says where they came from; a bad record goes to
 * the dead letters without holding up the workflow behind it.
 */
class KafkaIntakeSystemIntegrationTests {

    private static TestSystem system;
    private static History history;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void start() {
        system = TestSystem.start("kafka_intake");
        history = new History(system.history());
        producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        system.infra.kafkaBootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new StringSerializer());
    }

    @AfterAll
    static void stop() {
        producer.close();
        history.close();
        system.close();
    }

    @Test
    void workflowsProducedOntoTheTopicRunToTheEndAndTheirHistoryNamesTheRecord() throws Exception {
        Dags diamond = Dags.diamond("noop");
        RecordMetadata first = send("kafka-diamond-1", diamond.json());
        RecordMetadata poison = send("kafka-poison", "{\"name\": \"no tasks\"");
        RecordMetadata second = send("kafka-chain-1", Dags.chain(3, "echo").json());

        for (var entry :
                Map.of("kafka-diamond-1", first, "kafka-chain-1", second).entrySet()) {
            List<History.Entry> entries = history.awaitFinished(entry.getKey());
            assertThat(entries).anyMatch(e -> e.event() instanceof WorkflowEvent.WorkflowSucceeded);
            WorkflowEvent.WorkflowAccepted accepted = entries.stream()
                    .map(History.Entry::event)
                    .filter(WorkflowEvent.WorkflowAccepted.class::isInstance)
                    .map(WorkflowEvent.WorkflowAccepted.class::cast)
                    .findFirst()
                    .orElseThrow();
            RecordMetadata sent = entry.getValue();
            assertThat(accepted.origin()).isEqualTo(Origin.kafka(system.submissions, sent.partition(), sent.offset()));
        }
        History.assertRanInDependencyOrder(history.of("kafka-diamond-1"), diamond.dependencies());

        JsonNode workflow = Awaitility.await()
                .atMost(Duration.ofSeconds(120))
                .ignoreExceptions()
                .until(
                        () -> system.client.getJson("/api/v1/workflows/kafka-diamond-1"),
                        json -> "SUCCEEDED".equals(json.get("status").asString()));
        assertThat(workflow.get("tasks")).hasSize(diamond.dependencies().size());
        JsonNode events = system.client.getJson("/api/v1/workflows/kafka-diamond-1/events");
        JsonNode origin = events.get(0).get("data").get("origin");
        assertThat(origin.get("channel").asString()).isEqualTo("KAFKA");
        assertThat(origin.get("offset").asLong()).isEqualTo(first.offset());

        ConsumerRecord<String, byte[]> letter = Awaitility.await()
                .atMost(Duration.ofSeconds(120))
                .until(
                        () ->
                                KafkaTestConsumer.readAll(system.infra.kafkaBootstrapServers(), system.deadLetters)
                                        .stream()
                                        .filter(r -> "kafka-poison".equals(r.key()))
                                        .toList(),
                        letters -> !letters.isEmpty())
                .getFirst();
        assertThat(KafkaTestConsumer.header(letter, Headers.DLT_REASON_CODE)).isEqualTo("MALFORMED");
        assertThat(KafkaTestConsumer.header(letter, Headers.DLT_ORIGINAL_OFFSET))
                .isEqualTo(Long.toString(poison.offset()));
        assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("{\"name\": \"no tasks\"");
    }

    private static RecordMetadata send(String key, String json) throws Exception {
        return producer.send(new ProducerRecord<>(system.submissions, key, json))
                .get(60, TimeUnit.SECONDS);
    }
}
