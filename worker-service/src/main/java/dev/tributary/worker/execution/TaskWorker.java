package dev.tributary.worker.execution;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.worker.WorkerProperties;
import dev.tributary.worker.handler.TaskHandler;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs a set of task handlers against Kafka: per handler type one consumer thread in the group
 * {@code <group-prefix><type>} on {@code <tasks-topic-prefix><type>}, tasks on virtual threads
 * (at most {@code concurrency} per type), and one idempotent producer ({@code acks=all}) for the
 * events. See {@link TypeConsumer} for back-pressure, offsets and shutdown. One more consumer
 * thread reads every {@code TaskCancel} of {@code cancellations-topic} (in no group, see {@link
 * CancellationConsumer}), remembers it ({@link RecentAttempts}) and hands it to every type's
 * consumer, which stops the matching attempt if it runs or waits here.
 *
 * <p>A {@link SmartLifecycle}: Spring starts it with the context and stops it on shutdown, with
 * the grace period {@code tributary.worker.shutdown-grace}. It can be started again after a stop.
 */
public final class TaskWorker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TaskWorker.class);
    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();

    private final WorkerProperties properties;
    private final Map<String, TaskHandler> handlers;
    private final Map<String, Object> consumerConfig;
    private final Map<String, Object> producerConfig;
    private final TaskMetrics metrics;
    private final Clock clock;

    private final Object lifecycle = new Object();
    /** Replaced, never mutated, so readers need no lock. */
    private volatile Map<String, TypeConsumer> consumers = Map.of();

    private @Nullable EventPublisher publisher;
    private @Nullable ExecutorService taskExecutor;
    private @Nullable ScheduledExecutorService timers;
    private @Nullable CancellationConsumer cancellations;
    private volatile @Nullable RecentAttempts<TaskCancel> recentCancels;
    private volatile @Nullable RecentAttempts<Instant> recentlyFinished;
    private volatile boolean running;
    private volatile boolean stopping;

    /**
     * @param handlers one handler per type; two for the same type is an error
     * @param consumerConfig base Kafka consumer settings (bootstrap servers, security, ...)
     * @param producerConfig base Kafka producer settings
     */
    public TaskWorker(
            WorkerProperties properties,
            List<? extends TaskHandler> handlers,
            Map<String, Object> consumerConfig,
            Map<String, Object> producerConfig,
            MeterRegistry meterRegistry) {
        this.properties = properties;
        this.handlers = byType(handlers);
        this.consumerConfig = Map.copyOf(consumerConfig);
        this.producerConfig = Map.copyOf(producerConfig);
        this.metrics = new TaskMetrics(meterRegistry);
        this.clock = Clock.systemUTC();
        this.handlers.keySet().forEach(type -> metrics.running(type, () -> runningTasks(type)));
        metrics.rememberedCancellations(() -> {
            RecentAttempts<TaskCancel> cancels = recentCancels;
            return cancels == null ? 0 : cancels.size();
        });
        metrics.rememberedResults(() -> {
            RecentAttempts<Instant> finished = recentlyFinished;
            return finished == null ? 0 : finished.size();
        });
    }

    private static Map<String, TaskHandler> byType(List<? extends TaskHandler> handlers) {
        Map<String, TaskHandler> byType = new LinkedHashMap<>();
        for (TaskHandler handler : handlers) {
            String type = handler.type();
            if (type == null || !TYPE.matcher(type).matches()) {
                throw new IllegalArgumentException(
                        "task handler " + handler.getClass().getName() + " has type '" + type
                                + "'; a type is 1-200 letters, digits, '.', '_' or '-'");
            }
            TaskHandler other = byType.putIfAbsent(type, handler);
            if (other != null) {
                throw new IllegalStateException("two task handlers for type '" + type + "': "
                        + other.getClass().getName() + " and "
                        + handler.getClass().getName()
                        + "; keep one (a built-in is turned off with tributary.worker.builtin-handlers." + type
                        + "=false)");
            }
        }
        return Collections.unmodifiableMap(byType);
    }

    /** The task types this worker runs. */
    public Set<String> taskTypes() {
        return handlers.keySet();
    }

    /** The worker id written into task events. */
    public String workerId() {
        return properties.id();
    }

    /** Tasks of a type started and not yet finished. */
    public int runningTasks(String type) {
        TypeConsumer consumer = consumers.get(type);
        return consumer == null ? 0 : consumer.running();
    }

    @Override
    public void start() {
        synchronized (lifecycle) {
            if (running) {
                return;
            }
            ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("tributary-worker-timer").daemon().factory());
            EventPublisher publisher = new EventPublisher(
                    new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer()),
                    EventCodec.json(),
                    properties.eventsTopic(),
                    properties.deadLetterTopic(),
                    timers,
                    properties.publishRetryBackoff(),
                    clock);
            ExecutorService taskExecutor = Executors.newThreadPerTaskExecutor(
                    Thread.ofVirtual().name("tributary-task-", 0).factory());
            TaskExecution.Services services = new TaskExecution.Services(
                    properties.id(),
                    properties.maxOutputSize().toBytes(),
                    clock,
                    timers,
                    publisher,
                    EventCodec.json(),
                    metrics,
                    new RecentAttempts<>(
                            properties.recentCancellationsSize(), properties.recentCancellationsTtl(), clock),
                    new RecentAttempts<>(properties.recentResultsSize(), properties.recentResultsTtl(), clock));
            Map<String, TypeConsumer> started = new LinkedHashMap<>();
            handlers.forEach((type, handler) -> {
                int bound = properties.concurrencyOf(type);
                TypeConsumer consumer = new TypeConsumer(
                        properties.tasksTopic(type),
                        handler,
                        new KafkaConsumer<>(
                                consumerConfig(type, bound), new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                        new DispatchDecoder(EventCodec.json(), type),
                        services,
                        taskExecutor,
                        bound,
                        properties.pollTimeout());
                started.put(type, consumer);
                Thread.ofPlatform().name("tributary-worker-" + type).start(consumer);
            });
            this.consumers = Collections.unmodifiableMap(started);
            CancellationConsumer cancellations = new CancellationConsumer(
                    properties.cancellationsTopic(),
                    new KafkaConsumer<>(
                            cancellationsConsumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                    new CancelDecoder(EventCodec.json()),
                    publisher,
                    cancel -> {
                        services.cancels().remember(cancel.idempotencyKey(), cancel);
                        consumers.values().forEach(consumer -> consumer.cancel(cancel));
                    },
                    properties.pollTimeout(),
                    properties.cancellationsRefreshInterval(),
                    properties.recentCancellationsTtl(),
                    clock);
            Thread.ofPlatform().name("tributary-worker-cancellations").start(cancellations);
            this.cancellations = cancellations;
            this.recentCancels = services.cancels();
            this.recentlyFinished = services.finished();
            this.timers = timers;
            this.publisher = publisher;
            this.taskExecutor = taskExecutor;
            running = true;
            log.info(
                    "Worker {} consuming {} (topics {}<type>, groups {}<type>)",
                    properties.id(),
                    handlers.keySet(),
                    properties.tasksTopicPrefix(),
                    properties.groupPrefix());
        }
    }

    @Override
    public void stop() {
        stop(properties.shutdownGrace());
    }

    /**
     * Stops fetching, lets running tasks finish for up to {@code grace}, then interrupts the rest
     * without publishing their results or committing their offsets (they are redelivered), commits
     * what is done and leaves the consumer groups. Blocks until done.
     */
    public void stop(Duration grace) {
        synchronized (lifecycle) {
            if (!running) {
                return;
            }
            consumers.values().forEach(consumer -> consumer.requestStop(grace));
            if (cancellations != null) {
                cancellations.requestStop();
            }
            stopping = true;
            boolean interrupted = false;
            if (cancellations != null) {
                try {
                    if (!cancellations.awaitTermination(Duration.ofSeconds(30))) {
                        log.warn("The cancellation consumer did not stop within 30s");
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            for (TypeConsumer consumer : consumers.values()) {
                try {
                    if (!consumer.awaitTermination(grace.plusSeconds(30))) {
                        log.warn("A consumer did not stop within {}", grace.plusSeconds(30));
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (publisher != null) {
                publisher.close(Duration.ofSeconds(10));
            }
            if (taskExecutor != null) {
                taskExecutor.shutdownNow();
            }
            if (timers != null) {
                timers.shutdownNow();
            }
            consumers = Map.of();
            cancellations = null;
            publisher = null;
            taskExecutor = null;
            timers = null;
            running = false;
            stopping = false;
            log.info("Worker {} stopped", properties.id());
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether a stop is in progress: nothing new starts, running tasks may still finish. */
    public boolean isStopping() {
        return stopping;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public boolean isAutoStartup() {
        return properties.autoStartup();
    }

    private Map<String, Object> consumerConfig(String type, int bound) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.group(type));
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, bound);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-worker-" + type + "-" + CLIENT_IDS.incrementAndGet());
        config.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        config.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        // A new group must see the tasks dispatched before it first joined.
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Object protocol = config.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        if (protocol == null || "classic".equalsIgnoreCase(protocol.toString())) {
            // Only moving partitions are revoked, so a rebalance does not disturb running tasks.
            config.putIfAbsent(
                    ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        }
        return config;
    }

    /**
     * The cancellation consumer is in no group (every worker reads everything): no group id, no
     * commits; it positions itself (see {@link CancellationConsumer}), and a partition it has no
     * position for starts at the end. It never creates the topic.
     */
    private Map<String, Object> cancellationsConsumerConfig() {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        config.remove(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG);
        config.remove(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-worker-cancellations-" + CLIENT_IDS.incrementAndGet());
        config.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        config.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        return config;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> config = new HashMap<>(producerConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-worker-producer-" + CLIENT_IDS.incrementAndGet());
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return config;
    }
}
