package dev.tributary.bench;

import dev.tributary.launcher.TributarySystem;
import dev.tributary.testsupport.TestInfra;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The three services against the embedded PostgreSQL and Kafka of {@link TestInfra}, with their
 * own database, topics, consumer groups and replication slots (as the end-to-end tests start them).
 */
final class BenchSystem implements AutoCloseable {

    private static final List<String> TASK_TYPES = List.of("noop", "echo", "sleep", "fail", "http");

    final String name;
    final String eventsTopic;
    final String submissionOutbox;
    final TributarySystem.Infrastructure infra;
    final Map<String, Object> common = new LinkedHashMap<>();
    final Map<String, Map<String, Object>> perService = new LinkedHashMap<>();
    final TributarySystem services;

    /**
     * @param overrides properties for every service, applied over the benchmark's defaults
     * @param serviceOverrides properties by service name, applied last
     */
    BenchSystem(
            int partitions,
            int concurrency,
            Map<String, String> overrides,
            Map<String, Map<String, String>> serviceOverrides) {
        name = TestInfra.uniqueName("bench");
        eventsTopic = "b." + name + ".workflow-events";
        String tasksPrefix = "b." + name + ".tasks.";
        String deadLetters = "b." + name + ".dead-letters";
        createTopic(eventsTopic, partitions);
        createTopic(deadLetters, 1);
        for (String type : TASK_TYPES) {
            createTopic(tasksPrefix + type, partitions);
        }
        infra = new TributarySystem.Infrastructure(
                TestInfra.kafka().bootstrapServers(),
                TestInfra.newDatabase(name),
                TestInfra.postgres().username(),
                TestInfra.postgres().password());
        common.put("tributary.submission.events-topic", eventsTopic);
        common.put("tributary.submission.dead-letter-topic", deadLetters);
        common.put("tributary.submission.projection.consumer-group", name + "-projection");
        common.put("tributary.scheduler.events-topic", eventsTopic);
        common.put("tributary.scheduler.tasks-topic-prefix", tasksPrefix);
        common.put("tributary.scheduler.dead-letter-topic", deadLetters);
        common.put("tributary.scheduler.consumer-group", name + "-scheduler");
        common.put("tributary.worker.events-topic", eventsTopic);
        common.put("tributary.worker.tasks-topic-prefix", tasksPrefix);
        common.put("tributary.worker.dead-letter-topic", deadLetters);
        common.put("tributary.worker.group-prefix", name + "-worker-");
        common.put("tributary.worker.concurrency", concurrency);
        common.put("logging.level.root", "WARN");
        common.putAll(overrides);
        submissionOutbox = name + "_submission";
        perService.put(
                TributarySystem.SUBMISSION, new LinkedHashMap<>(Map.of("tributary.outbox.name", submissionOutbox)));
        perService.put(
                TributarySystem.SCHEDULER, new LinkedHashMap<>(Map.of("tributary.outbox.name", name + "_scheduler")));
        perService.put(TributarySystem.WORKER, new LinkedHashMap<>());
        serviceOverrides.forEach((service, properties) -> {
            if (!perService.containsKey(service)) {
                throw new IllegalArgumentException("no service named " + service);
            }
            perService.get(service).putAll(properties);
        });
        services = TributarySystem.start(infra, new TributarySystem.Ports(0, 0, 0), common, perService);
    }

    int submissionPort() {
        return services.port(TributarySystem.SUBMISSION);
    }

    /** Retries: a busy embedded broker may briefly not serve a new topic. */
    private static void createTopic(String topic, int partitions) {
        for (int attempt = 1; ; attempt++) {
            try {
                TestInfra.kafka().createTopic(topic, partitions);
                return;
            } catch (IllegalStateException e) {
                if (attempt == 10) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            }
        }
    }

    @Override
    public void close() {
        services.close();
    }
}
