package dev.tributary.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.launcher.TributarySystem;
import dev.tributary.testsupport.TributaryClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** Drives the admin rebuild operations of a test system and waits for the consumers to settle. */
final class Rebuilds {

    private final TestSystem system;
    private final TributaryClient scheduler;

    Rebuilds(TestSystem system) {
        this.system = system;
        this.scheduler = TributaryClient.onPort(system.services.port(TributarySystem.SCHEDULER));
    }

    /** Starts a rebuild of the scheduler's state; returns the status the service answered. */
    JsonNode startScheduler() {
        return accepted(scheduler, "/admin/rebuild/scheduler", "{}");
    }

    /** Starts a rebuild of the projection, from the beginning or from {@code from}. */
    JsonNode startProjection(@Nullable String from) {
        return accepted(
                system.client, "/admin/rebuild/projection", from == null ? "{}" : "{\"from\":\"" + from + "\"}");
    }

    JsonNode schedulerStatus() {
        return scheduler.getJson("/admin/rebuild/scheduler");
    }

    JsonNode projectionStatus() {
        return system.client.getJson("/admin/rebuild/projection");
    }

    /** Waits until both rebuilds report FINISHED. */
    void awaitFinished() {
        Awaitility.await("rebuilds finished")
                .atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> "FINISHED".equals(schedulerStatus().get("state").asString())
                        && "FINISHED".equals(projectionStatus().get("state").asString()));
    }

    private static JsonNode accepted(TributaryClient client, String path, String body) {
        var response = client.post(path, body);
        assertThat(response.statusCode())
                .as("POST %s answered %s", path, response.body())
                .isEqualTo(202);
        return client.getJson(path);
    }

    /**
     * Waits until the scheduler and the projection have consumed the whole history topic and the
     * topic stopped growing: nothing is in flight anywhere, so the state tables are final.
     */
    void awaitQuiet() {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, system.infra.kafkaBootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(system.eventsTopic).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition()))
                    .toList();
            consumer.assign(partitions); // reads end offsets of assigned partitions without warnings
            Awaitility.await("scheduler and projection caught up with a quiet history topic")
                    .atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(250))
                    .during(Duration.ofSeconds(2))
                    .until(() -> {
                        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                        return end.equals(stored("scheduler.consumer_offset", system.name + "-scheduler", end))
                                && end.equals(stored("submission.consumer_offset", system.name + "-projection", end));
                    });
        }
    }

    private Map<TopicPartition, Long> stored(String table, String group, Map<TopicPartition, Long> partitions) {
        Map<TopicPartition, Long> stored = new HashMap<>();
        for (TopicPartition partition : partitions.keySet()) {
            long next = StateSnapshot.number(
                    system,
                    "SELECT coalesce(max(next_offset), 0) FROM " + table + " WHERE group_id = '" + group
                            + "' AND topic = '" + partition.topic() + "' AND partition = " + partition.partition());
            stored.put(partition, next);
        }
        return stored;
    }
}
