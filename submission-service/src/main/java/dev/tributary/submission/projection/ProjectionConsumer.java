package dev.tributary.submission.projection;

import dev.tributary.submission.SubmissionProperties;
import dev.tributary.submission.SubmissionProperties.Projection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;

/**
 * The status projection's consumer of the history log: {@code concurrency} threads in one consumer
 * group, each a {@link ConsumerLoop} with its own {@link KafkaConsumer}. Auto-commit is off and
 * nothing is ever committed to Kafka; positions live in PostgreSQL. Stopping finishes the batch in
 * progress and closes the consumers; starting again resumes from the stored offsets.
 */
public class ProjectionConsumer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ProjectionConsumer.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final KafkaProperties kafka;
    private final String topic;
    private final Projection properties;
    private final ProjectionBatchProcessor processor;
    private final OffsetStore offsets;
    private final List<Running> loops = new ArrayList<>();

    private record Running(ConsumerLoop loop, Thread thread) {}

    ProjectionConsumer(
            KafkaProperties kafka,
            SubmissionProperties properties,
            ProjectionBatchProcessor processor,
            OffsetStore offsets) {
        this.kafka = kafka;
        this.topic = properties.eventsTopic();
        this.properties = properties.projection();
        this.processor = processor;
        this.offsets = offsets;
    }

    @Override
    public synchronized void start() {
        if (!loops.isEmpty()) {
            return;
        }
        for (int i = 0; i < properties.concurrency(); i++) {
            ConsumerLoop loop = new ConsumerLoop(
                    new KafkaConsumer<>(consumerConfig(i), new StringDeserializer(), new ByteArrayDeserializer()),
                    topic,
                    properties.consumerGroup(),
                    processor,
                    offsets,
                    properties.pollTimeout(),
                    properties.errorBackoff());
            Thread thread = new Thread(loop, "submission-projection-" + i);
            thread.start();
            loops.add(new Running(loop, thread));
        }
        log.info(
                "status projection started: topic {}, group {}, {} thread(s)",
                topic,
                properties.consumerGroup(),
                properties.concurrency());
    }

    private Map<String, Object> consumerConfig(int index) {
        Map<String, Object> config = kafka.buildConsumerProperties();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.consumerGroup());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.maxPollRecords());
        Object clientId = config.getOrDefault(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-submission");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-projection-" + index);
        return config;
    }

    /**
     * Stops every thread after its current batch. A thread still busy after the grace period (e.g.
     * waiting for a database that went away) is interrupted; its batch rolls back and is applied
     * again by whoever owns the partition next.
     */
    @Override
    public synchronized void stop() {
        loops.forEach(running -> running.loop().shutdown());
        try {
            for (Running running : loops) {
                running.thread().join(STOP_GRACE.toMillis());
                if (running.thread().isAlive()) {
                    log.warn(
                            "{} still busy after {}; interrupting it",
                            running.thread().getName(),
                            STOP_GRACE);
                    running.thread().interrupt();
                    running.thread().join(STOP_GRACE.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loops.clear();
    }

    @Override
    public synchronized boolean isRunning() {
        return !loops.isEmpty();
    }

    @Override
    public boolean isAutoStartup() {
        return properties.autoStartup();
    }
}
