package dev.tributary.crash;

import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * Reads the history topic from its beginning on its own thread, committed records only, and keeps
 * every record per workflow in log order. It rides out a broker restart (the consumer reconnects
 * and resumes at its position), so it sees the whole log however the faults fall.
 */
final class HistoryLog implements AutoCloseable {

    /** One history record: its ce_id, the decoded event, the record's timestamp and position. */
    record Entry(String ceId, WorkflowEvent event, long timestamp, int partition, long offset) {}

    private final Map<String, List<Entry>> byWorkflow = new ConcurrentHashMap<>();
    private final Map<String, Long> finishedAt = new ConcurrentHashMap<>();
    private final AtomicLong undecodable = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final EventCodec codec = EventCodec.json();
    private final Thread thread;

    HistoryLog(String bootstrapServers, String topic) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.CLIENT_ID_CONFIG, "crash-history-log",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(60)).stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(() -> read(consumer), "crash-history-log");
        thread.setDaemon(true);
        thread.start();
    }

    private void read(KafkaConsumer<byte[], byte[]> consumer) {
        try (consumer) {
            while (running.get()) {
                try {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        apply(record);
                    }
                } catch (RuntimeException e) {
                    if (running.get()) {
                        System.err.println("history log: poll failed, continuing: " + e);
                    }
                }
            }
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        String type = header(record, Headers.CE_TYPE);
        String id = header(record, Headers.CE_ID);
        if (record.key() == null || type == null || id == null) {
            undecodable.incrementAndGet();
            return;
        }
        WorkflowEvent event;
        try {
            event = codec.decodeEvent(type, record.value());
        } catch (RuntimeException e) {
            undecodable.incrementAndGet();
            return;
        }
        String workflowId = new String(record.key(), StandardCharsets.UTF_8);
        Entry entry = new Entry(id, event, record.timestamp(), record.partition(), record.offset());
        List<Entry> entries = byWorkflow.computeIfAbsent(workflowId, key -> new ArrayList<>());
        synchronized (entries) {
            entries.add(entry);
        }
        if (isTerminal(event)) {
            finishedAt.putIfAbsent(workflowId, record.timestamp());
        }
    }

    static boolean isTerminal(WorkflowEvent event) {
        return event instanceof WorkflowEvent.WorkflowSucceeded
                || event instanceof WorkflowEvent.WorkflowFailed
                || event instanceof WorkflowEvent.WorkflowCancelled;
    }

    /** The workflow's records read so far, in log order. */
    List<Entry> entries(String workflowId) {
        List<Entry> entries = byWorkflow.get(workflowId);
        if (entries == null) {
            return List.of();
        }
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }

    /** The timestamp of the workflow's first terminal record, or null while it has none. */
    @Nullable
    Long finishedAt(String workflowId) {
        return finishedAt.get(workflowId);
    }

    /** How many of the workflows have a terminal record. */
    long finished(Collection<String> workflowIds) {
        return workflowIds.stream().filter(finishedAt::containsKey).count();
    }

    /** Whether some attempt started by this worker has no result in the log yet. */
    boolean hasRunningAttempt(String workerId, String taskId) {
        for (String workflowId : byWorkflow.keySet()) {
            List<Entry> entries = entries(workflowId);
            for (Entry entry : entries) {
                if (entry.event() instanceof WorkflowEvent.TaskStarted started
                        && started.workerId().equals(workerId)
                        && started.taskId().value().equals(taskId)
                        && entries.stream().noneMatch(other -> endsAttempt(other.event(), taskId, started.attempt()))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean endsAttempt(WorkflowEvent event, String taskId, int attempt) {
        return switch (event) {
            case WorkflowEvent.TaskSucceeded done -> done.taskId().value().equals(taskId) && done.attempt() == attempt;
            case WorkflowEvent.TaskFailed failed ->
                failed.taskId().value().equals(taskId) && failed.attempt() == attempt;
            case WorkflowEvent.TaskTimedOut timedOut ->
                timedOut.taskId().value().equals(taskId) && timedOut.attempt() == attempt;
            default -> false;
        };
    }

    /** Records without CloudEvents headers or key, or that did not decode. */
    long undecodable() {
        return undecodable.get();
    }

    private static @Nullable String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
