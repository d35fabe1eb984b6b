package dev.tributary.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * {@code concurrency} threads in one consumer group, each a {@link ConsumerLoop} with its own
 * {@link KafkaConsumer} and its own {@link BatchHandler}. Auto-commit is off and nothing is ever
 * committed to Kafka; positions live in PostgreSQL. Stopping finishes the batch in progress and
 * closes the consumers (their partitions go to the other instances); starting again resumes from the
 * stored offsets. A service's consumer extends it, so that it is a bean of its own type.
 */
public class ConsumerGroup implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ConsumerGroup.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final Settings settings;
    private final Map<String, Object> consumerConfig;
    private final Supplier<? extends BatchHandler> handlers;
    private final OffsetStore offsets;
    private final List<Running> loops = new ArrayList<>();

    private record Running(ConsumerLoop loop, Thread thread) {}

    /**
     * What differs between the consumers of the history log.
     *
     * @param service the service's short name, e.g. {@code scheduler}: threads are called {@code
     *     <service>-<name>-<i>}, client ids default to {@code tributary-<service>}
     * @param name the consumer's short name in logs, thread names and client ids, e.g. {@code
     *     history}
     * @param description what the start-up log line calls the consumer, e.g. {@code history consumer}
     * @param topic the topic consumed
     * @param groupId the consumer group, also the key of the stored offsets
     * @param concurrency consumer threads
     * @param maxPollRecords the largest poll batch, applied in one transaction
     * @param pollTimeout how long one poll waits for records
     * @param errorBackoff the pause after a failed batch before it is read again
     * @param autoStartup whether the consumer starts with the application context
     */
    public record Settings(
            String service,
            String name,
            String description,
            String topic,
            String groupId,
            int concurrency,
            int maxPollRecords,
            Duration pollTimeout,
            Duration errorBackoff,
            boolean autoStartup) {}

    /**
     * @param consumerConfig the consumers' common settings (bootstrap servers, client id, ...); the
     *     group, offset handling and isolation are set here
     * @param handlers makes one handler per consumer thread
     */
    public ConsumerGroup(
            Settings settings,
            Map<String, Object> consumerConfig,
            Supplier<? extends BatchHandler> handlers,
            OffsetStore offsets) {
        this.settings = settings;
        this.consumerConfig = new HashMap<>(consumerConfig);
        this.handlers = handlers;
        this.offsets = offsets;
    }

    /** The consumer group, also the key of the stored offsets. */
    public String groupId() {
        return settings.groupId();
    }

    /** The topic consumed. */
    public String topic() {
        return settings.topic();
    }

    /** Starts the threads, unless they are running. */
    @Override
    public synchronized void start() {
        if (!loops.isEmpty()) {
            return;
        }
        for (int i = 0; i < settings.concurrency(); i++) {
            ConsumerLoop loop = new ConsumerLoop(
                    new KafkaConsumer<>(consumerConfig(i), new StringDeserializer(), new ByteArrayDeserializer()),
                    settings.name(),
                    settings.topic(),
                    settings.groupId(),
                    handlers.get(),
                    offsets,
                    settings.pollTimeout(),
                    settings.errorBackoff());
            Thread thread = new Thread(loop, settings.service() + "-" + settings.name() + "-" + i);
            thread.start();
            loops.add(new Running(loop, thread));
        }
        log.info(
                "{} started: topic {}, group {}, {} thread(s)",
                settings.description(),
                settings.topic(),
                settings.groupId(),
                settings.concurrency());
    }

    /**
     * The settings of consumer thread {@code index}. A configured {@code group.instance.id} (static
     * membership: a restarted process gets its partitions back at once instead of after {@code
     * session.timeout.ms}) is made unique per consumer, {@code <id>-<name>-<index>}, because two
     * members of one group with the same instance id fence each other.
     */
    Map<String, Object> consumerConfig(int index) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        Object instanceId = config.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        if (instanceId != null && !instanceId.toString().isBlank()) {
            config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId + "-" + settings.name() + "-" + index);
        }
        config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
        Object clientId = config.getOrDefault(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-" + settings.service());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-" + settings.name() + "-" + index);
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

    /** Whether the threads were started and not stopped. */
    @Override
    public synchronized boolean isRunning() {
        return !loops.isEmpty();
    }

    @Override
    public boolean isAutoStartup() {
        return settings.autoStartup();
    }
}
