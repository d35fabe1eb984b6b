package dev.tributary.scheduler.history;

import dev.tributary.scheduler.SchedulerProperties;
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
import org.springframework.stereotype.Component;

/**
 * The history log consumer: {@code concurrency} threads in one consumer group, each a {@link
 * ConsumerLoop} with its own {@link KafkaConsumer}. Auto-commit is off and nothing is ever
 * committed to Kafka; positions live in PostgreSQL. Stopping finishes the batch in progress and
 * closes the consumers (their partitions go to the other instances); starting again resumes from
 * the stored offsets.
 */
@Component
public class HistoryConsumer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(HistoryConsumer.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final KafkaProperties kafka;
    private final SchedulerProperties properties;
    private final HistoryBatchProcessor processor;
    private final OffsetStore offsets;
    private final List<Running> loops = new ArrayList<>();

    private record Running(ConsumerLoop loop, Thread thread) {}

    HistoryConsumer(
            KafkaProperties kafka,
            SchedulerProperties properties,
            HistoryBatchProcessor processor,
            OffsetStore offsets) {
        this.kafka = kafka;
        this.properties = properties;
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
                    properties.eventsTopic(),
                    properties.consumerGroup(),
                    processor,
                    offsets,
                    properties.pollTimeout(),
                    properties.errorBackoff(),
                    properties.runCacheSize());
            Thread thread = new Thread(loop, "scheduler-history-" + i);
            thread.start();
            loops.add(new Running(loop, thread));
        }
        log.info(
                "history consumer started: topic {}, group {}, {} thread(s)",
                properties.eventsTopic(),
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
        Object clientId = config.getOrDefault(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-scheduler");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-history-" + index);
        return config;
    }

    /**
     * Stops every thread after its current batch. A thread still busy after the grace period
     * (e.g. waiting for a database that went away) is interrupted; its batch rolls back and is
     * applied again by whoever owns the partition next.
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
