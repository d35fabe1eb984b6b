package dev.tributary.benchmark;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * Reads the history topic (read_committed) on its own thread and notes, for every tracked
 * workflow, the record timestamps of its events; counts finished workflows and tasks as they
 * arrive, and keeps per-second latency recorders for the time series.
 */
final class HistoryReader implements AutoCloseable {

    private static final String ACCEPTED = EventTypes.of(WorkflowEvent.WorkflowAccepted.class);
    private static final String DISPATCHED = EventTypes.of(WorkflowEvent.TasksDispatched.class);
    private static final String STARTED = EventTypes.of(WorkflowEvent.TaskStarted.class);
    private static final String TASK_SUCCEEDED = EventTypes.of(WorkflowEvent.TaskSucceeded.class);
    private static final String SUCCEEDED = EventTypes.of(WorkflowEvent.WorkflowSucceeded.class);
    private static final String FAILED = EventTypes.of(WorkflowEvent.WorkflowFailed.class);
    private static final String CANCELLED = EventTypes.of(WorkflowEvent.WorkflowCancelled.class);

    private final Map<String, WorkflowRun> runs = new ConcurrentHashMap<>();
    private final Map<String, Integer> taskIndexes;
    private final Set<String> outboxSources;
    private final EventCodec codec = EventCodec.json();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    final AtomicLong finishedWorkflows = new AtomicLong();
    final AtomicLong failedWorkflows = new AtomicLong();
    final AtomicLong succeededTasks = new AtomicLong();
    /** Scheduled arrival → WorkflowSucceeded, ms, of workflows finishing since the last sample. */
    final Recorder endToEndMillis = new Recorder(3);
    /** Latest parent TaskSucceeded → TaskStarted, ms, since the last sample. */
    final Recorder releaseMillis = new Recorder(3);
    /** Outbox row created_at → record CreateTime, ms, since the last sample. */
    final Recorder outboxMillis = new Recorder(3);

    HistoryReader(String bootstrapServers, String topic, Workload workload, Set<String> outboxSources) {
        this.taskIndexes = workload.indexes();
        this.outboxSources = Set.copyOf(outboxSources);
        this.parents = workload.parents();
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.CLIENT_ID_CONFIG, "bench-history-reader",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"),
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

    private final List<List<Integer>> parents;

    /** Registers a workflow before it is posted, so none of its records can be missed. */
    void track(WorkflowRun run) {
        runs.put(run.workflowId, run);
    }

    private void read(KafkaConsumer<byte[], byte[]> consumer) {
        try (consumer) {
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    try {
                        apply(record);
                    } catch (RuntimeException e) {
                        System.err.println("history reader: cannot read " + record.topic() + "-" + record.partition()
                                + "@" + record.offset() + ": " + e);
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
        WorkflowRun run = runs.get(new String(record.key(), StandardCharsets.UTF_8));
        String type = header(record, Headers.CE_TYPE);
        if (run == null || type == null) {
            return;
        }
        long millis = record.timestamp();
        String source = header(record, Headers.CE_SOURCE);
        String time = header(record, Headers.CE_TIME);
        if (source != null && time != null && outboxSources.contains(source)) {
            long created = OffsetDateTime.parse(time).toInstant().toEpochMilli();
            long lag = Math.max(0, millis - created);
            run.step.outboxMillis.recordValue(lag);
            outboxMillis.recordValue(lag);
        }
        if (type.equals(ACCEPTED)) {
            run.accepted(millis);
        } else if (type.equals(SUCCEEDED)) {
            if (run.finished(millis, true)) {
                finishedWorkflows.incrementAndGet();
                endToEndMillis.recordValue(Math.max(0, millis - run.scheduledMicros / 1000));
            }
        } else if (type.equals(FAILED) || type.equals(CANCELLED)) {
            if (run.finished(millis, false)) {
                System.err.println("workflow " + run.workflowId + " ended with " + type);
                finishedWorkflows.incrementAndGet();
                failedWorkflows.incrementAndGet();
            }
        } else if (type.equals(DISPATCHED) || type.equals(STARTED) || type.equals(TASK_SUCCEEDED)) {
            switch (codec.decodeEvent(type, record.value())) {
                case WorkflowEvent.TasksDispatched released -> {
                    for (WorkflowEvent.DispatchedTask task : released.tasks()) {
                        run.dispatched(index(task.taskId().value()), millis);
                    }
                }
                case WorkflowEvent.TaskStarted started -> {
                    int task = index(started.taskId().value());
                    run.started(task, millis);
                    long release = releaseOf(run, task, millis);
                    if (release >= 0) {
                        releaseMillis.recordValue(release);
                    }
                }
                case WorkflowEvent.TaskSucceeded done -> {
                    if (run.taskSucceeded(index(done.taskId().value()), millis)) {
                        succeededTasks.incrementAndGet();
                    }
                }
                default -> {}
            }
        }
    }

    /** Latest parent's TaskSucceeded → this start, or -1 for a root or unknown parents. */
    private long releaseOf(WorkflowRun run, int task, long startedMillis) {
        List<Integer> of = parents.get(task);
        if (of.isEmpty()) {
            return -1;
        }
        long[] succeeded = run.snapshot().taskSucceededMillis();
        long latest = 0;
        for (int parent : of) {
            if (succeeded[parent] == 0) {
                return -1;
            }
            latest = Math.max(latest, succeeded[parent]);
        }
        return Math.max(0, startedMillis - latest);
    }

    private int index(String taskId) {
        Integer index = taskIndexes.get(taskId);
        if (index == null) {
            throw new IllegalStateException("unknown task " + taskId);
        }
        return index;
    }

    static @Nullable String header(ConsumerRecord<?, ?> record, String name) {
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
