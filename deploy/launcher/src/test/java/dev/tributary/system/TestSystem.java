package dev.tributary.system;

import dev.tributary.launcher.TributarySystem;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import dev.tributary.testsupport.TributaryClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The three services against the shared embedded PostgreSQL and Kafka, isolated from other test
 * systems by their own database, topics, consumer groups and replication slots.
 */
final class TestSystem implements AutoCloseable {

    static final List<String> TASK_TYPES = List.of("noop", "echo", "sleep", "fail", "http");

    final String name;
    final String eventsTopic;
    final String tasksPrefix;
    final String deadLetters;
    final String cancellations;
    final String submissions;
    final TributarySystem.Infrastructure infra;
    final Map<String, Object> common = new LinkedHashMap<>();
    final Map<String, Map<String, Object>> perService = new LinkedHashMap<>();
    final TributarySystem services;
    final TributaryClient client;

    private TestSystem(String prefix, Map<String, Object> overrides) {
        name = TestInfra.uniqueName(prefix);
        eventsTopic = "t." + name + ".workflow-events";
        tasksPrefix = "t." + name + ".tasks.";
        deadLetters = "t." + name + ".dead-letters";
        cancellations = "t." + name + ".task-cancellations";
        var kafka = TestInfra.kafka();
        kafka.createTopic(eventsTopic, 3);
        kafka.createTopic(deadLetters, 1);
        kafka.createTopic(cancellations, 3);
        submissions = "t." + name + ".workflow-submissions";
        kafka.createTopic(submissions, 3);
        for (String type : TASK_TYPES) {
            kafka.createTopic(tasksPrefix + type, 3);
        }
        infra = new TributarySystem.Infrastructure(
                kafka.bootstrapServers(),
                TestInfra.newDatabase(name),
                TestInfra.postgres().username(),
                TestInfra.postgres().password());
        common.put("tributary.submission.events-topic", eventsTopic);
        common.put("tributary.scheduler.events-topic", eventsTopic);
        common.put("tributary.scheduler.tasks-topic-prefix", tasksPrefix);
        common.put("tributary.scheduler.dead-letter-topic", deadLetters);
        common.put("tributary.scheduler.consumer-group", name + "-scheduler");
        common.put("tributary.submission.projection.consumer-group", name + "-projection");
        common.put("tributary.submission.dead-letter-topic", deadLetters);
        common.put("tributary.submission.kafka-intake.topic", submissions);
        common.put("tributary.submission.kafka-intake.consumer-group", name + "-intake");
        common.put("tributary.worker.events-topic", eventsTopic);
        common.put("tributary.worker.tasks-topic-prefix", tasksPrefix);
        common.put("tributary.worker.dead-letter-topic", deadLetters);
        common.put("tributary.worker.group-prefix", name + "-worker-");
        common.put("tributary.worker.concurrency", 32);
        common.put("tributary.scheduler.cancellations-topic", cancellations);
        common.put("tributary.worker.cancellations-topic", cancellations);
        common.putAll(overrides);
        perService.put(TributarySystem.SUBMISSION, Map.of("tributary.outbox.name", name + "_submission"));
        perService.put(TributarySystem.SCHEDULER, Map.of("tributary.outbox.name", name + "_scheduler"));
        services = TributarySystem.start(infra, new TributarySystem.Ports(0, 0, 0), common, perService);
        client = TributaryClient.onPort(services.port(TributarySystem.SUBMISSION));
    }

    static TestSystem start(String prefix) {
        return new TestSystem(prefix, Map.of());
    }

    static TestSystem start(String prefix, Map<String, Object> overrides) {
        return new TestSystem(prefix, overrides);
    }

    /** Stops one service as if its process ended. */
    void stop(String service) {
        services.stop(service);
    }

    /** Starts a stopped service again with the same settings. */
    void restart(String service) {
        services.restart(service, infra, 0, common, perService);
    }

    /** A consumer of this system's history topic from its beginning. */
    KafkaTestConsumer history() {
        return KafkaTestConsumer.fromBeginning(infra.kafkaBootstrapServers(), eventsTopic);
    }

    @Override
    public void close() {
        services.close();
    }
}
