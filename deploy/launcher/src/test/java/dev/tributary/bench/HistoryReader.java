package dev.tributary.bench;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * Reads the history topic from its beginning on its own thread and notes, for every workflow the
 * benchmark submitted, the record timestamps of its events. Only task events and releases are
 * decoded (for the task ids); the other events are recognised by their {@code ce_type} header.
 */
final class HistoryReader implements AutoCloseable {

    private static final String ACCEPTED = EventTypes.of(WorkflowEvent.WorkflowAccepted.class);
    private static final String DISPATCHED = EventTypes.of(WorkflowEvent.TasksDispatched.class);
    private static final String STARTED = EventTypes.of(WorkflowEvent.TaskStarted.class);
    private static final String TASK_SUCCEEDED = EventTypes.of(WorkflowEvent.TaskSucceeded.class);
    private static final String SUCCEEDED = EventTypes.of(WorkflowEvent.WorkflowSucceeded.class);
    private static final String FAILED = EventTypes.of(WorkflowEvent.WorkflowFailed.class);
    private static final String CANCELLED = EventTypes.of(WorkflowEvent.WorkflowCancelled.class);

    private final Map<String, Submission> submissions = new ConcurrentHashMap<>();
    private final Map<String, Integer> taskIndexes;
    private final EventCodec codec = EventCodec.json();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    HistoryReader(String bootstrapServers, String topic, WorkflowShape shape) {
        this.taskIndexes = shape.indexes();
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.CLIENT_ID_CONFIG, "bench-history-reader",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(() -> read(consumer), "bench-history-reader");
        thread.setDaemon(true);
        thread.start();
    }

    /** Registers a submission before it is posted, so none of its records can be missed. */
    void track(Submission submission) {
        submissions.put(submission.workflowId, submission);
    }

    private void read(KafkaConsumer<byte[], byte[]> consumer) {
        try (consumer) {
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    try {
                        apply(record);
                    } catch (RuntimeException e) {
                        System.err.println("history reader: cannot read a record at " + record.topic() + "-"
                                + record.partition() + "@" + record.offset() + ": " + e);
                    }
                }
            }
        } catch (RuntimeException e) {
            if (running.get()) {
                System.err.println("history reader stopped: " + e);
            }
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null) {
            return;
        }
        Submission submission = submissions.get(new String(record.key(), StandardCharsets.UTF_8));
        String type = header(record, Headers.CE_TYPE);
        if (submission == null || type == null) {
            return;
        }
        long millis = record.timestamp();
        Phase phase = submission.phase;
        if (type.equals(ACCEPTED)) {
            if (submission.accepted(millis)) {
                phase.accepted.incrementAndGet();
            }
        } else if (type.equals(SUCCEEDED)) {
            if (submission.finished(millis, true)) {
                phase.succeeded.incrementAndGet();
                phase.finished.incrementAndGet();
            }
        } else if (type.equals(FAILED) || type.equals(CANCELLED)) {
            if (submission.finished(millis, false)) {
                System.err.println("workflow " + submission.workflowId + " ended with " + type);
                phase.failed.incrementAndGet();
                phase.finished.incrementAndGet();
            }
        } else if (type.equals(DISPATCHED) || type.equals(STARTED) || type.equals(TASK_SUCCEEDED)) {
            switch (codec.decodeEvent(type, record.value())) {
                case WorkflowEvent.TasksDispatched released -> {
                    for (WorkflowEvent.DispatchedTask task : released.tasks()) {
                        submission.dispatched(index(task.taskId().value()), millis);
                    }
                }
                case WorkflowEvent.TaskStarted started ->
                    submission.started(index(started.taskId().value()), millis);
                case WorkflowEvent.TaskSucceeded done ->
                    submission.taskSucceeded(index(done.taskId().value()), millis);
                default -> {}
            }
        }
    }

    private int index(String taskId) {
        Integer index = taskIndexes.get(taskId);
        if (index == null) {
            throw new IllegalStateException("unknown task " + taskId);
        }
        return index;
    }

    private static @Nullable String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
