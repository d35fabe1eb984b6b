package dev.tributary.worker;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.testsupport.TestInfra;
import dev.tributary.worker.execution.TaskWorker;
import dev.tributary.worker.handler.TaskHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Per-test Kafka plumbing on the shared embedded broker: unique task topics, events topic,
 * dead-letter topic and consumer-group prefix; producing dispatches; reading what the worker
 * published; the committed offsets of a type's group; and workers wired to all of it.
 */
public final class KafkaTestKit implements AutoCloseable {

    public static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private final String tasksPrefix;
    private final String eventsTopic;
    private final String deadLetterTopic;
    private final String cancellationsTopic;
    private final String groupPrefix;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Reader events;
    private final Reader deadLetters;
    private final List<TaskWorker> workers = new ArrayList<>();

    private KafkaTestKit(String name, int partitions, List<String> types) {
        tasksPrefix = TestInfra.uniqueName(name + "_tasks") + ".";
        eventsTopic = TestInfra.uniqueName(name + "_events");
        deadLetterTopic = TestInfra.uniqueName(name + "_dlt");
        cancellationsTopic = TestInfra.uniqueName(name + "_cancels");
        groupPrefix = TestInfra.uniqueName(name + "_group") + "-";
        List<NewTopic> topics = new ArrayList<>();
        types.forEach(type -> topics.add(new NewTopic(tasksPrefix + type, partitions, (short) 1)));
        topics.add(new NewTopic(eventsTopic, 1, (short) 1));
        topics.add(new NewTopic(deadLetterTopic, 1, (short) 1));
        topics.add(new NewTopic(cancellationsTopic, partitions, (short) 1));
        TestInfra.kafka().createTopics(topics);
        producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        events = new Reader(eventsTopic);
        deadLetters = new Reader(deadLetterTopic);
    }

    /** Topics for {@code types} with one partition each. */
    public static KafkaTestKit create(String name, String... types) {
        return new KafkaTestKit(name, 1, List.of(types));
    }

    public static KafkaTestKit create(String name, int partitions, String... types) {
        return new KafkaTestKit(name, partitions, List.of(types));
    }

    public static String bootstrapServers() {
        return TestInfra.kafka().bootstrapServers();
    }

    public String tasksTopic(String type) {
        return tasksPrefix + type;
    }

    public String eventsTopic() {
        return eventsTopic;
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    public String cancellationsTopic() {
        return cancellationsTopic;
    }

    /** The {@code tributary.worker.*} settings that point a worker at this kit's topics. */
    public Map<String, String> properties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("tributary.worker.tasks-topic-prefix", tasksPrefix);
        properties.put("tributary.worker.events-topic", eventsTopic);
        properties.put("tributary.worker.dead-letter-topic", deadLetterTopic);
        properties.put("tributary.worker.cancellations-topic", cancellationsTopic);
        properties.put("tributary.worker.cancellations-refresh-interval", "200ms");
        properties.put("tributary.worker.group-prefix", groupPrefix);
        properties.put("tributary.worker.poll-timeout", "200ms");
        return properties;
    }

    /** Worker properties bound as Spring would, from this kit's settings plus {@code extra}. */
    public WorkerProperties workerProperties(Map<String, String> extra) {
        Map<String, String> all = new HashMap<>(properties());
        all.putAll(extra);
        return new Binder(new MapConfigurationPropertySource(all))
                .bindOrCreate("tributary.worker", WorkerProperties.class);
    }

    /** A started worker; stopped by {@link #close()} unless stopped before. */
    public TaskWorker startWorker(Map<String, String> extra, TaskHandler... handlers) {
        return startWorker(new SimpleMeterRegistry(), extra, handlers);
    }

    /** A started worker reporting to {@code meters}; stopped by {@link #close()} unless stopped before. */
    public TaskWorker startWorker(MeterRegistry meters, Map<String, String> extra, TaskHandler... handlers) {
        Map<String, Object> client = Map.of("bootstrap.servers", bootstrapServers());
        TaskWorker worker = new TaskWorker(workerProperties(extra), List.of(handlers), client, client, meters);
        workers.add(worker);
        worker.start();
        return worker;
    }

    public static TaskDispatch dispatch(String type, String workflowId, String taskId, @Nullable JsonNode input) {
        return dispatch(type, workflowId, taskId, input, Map.of(), null, TaskKind.TASK);
    }

    public static TaskDispatch dispatch(
            String type,
            String workflowId,
            String taskId,
            @Nullable JsonNode input,
            Map<TaskId, JsonNode> upstream,
            @Nullable Instant deadline,
            TaskKind kind) {
        WorkflowId workflow = WorkflowId.of(workflowId);
        TaskId task = TaskId.of(taskId);
        return new TaskDispatch(
                workflow,
                task,
                1,
                kind,
                type,
                input,
                upstream,
                deadline,
                TaskDispatch.idempotencyKey(workflow, task, kind, 1));
    }

    /** Produces a dispatch to its type's topic as the scheduler's relay would. */
    public void send(TaskDispatch dispatch) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(Headers.CE_SPECVERSION, Headers.SPECVERSION);
        headers.put(Headers.CE_ID, UUID.randomUUID().toString());
        headers.put(Headers.CE_TYPE, EventTypes.of(TaskDispatch.class));
        headers.put(Headers.CE_SOURCE, "/test");
        headers.put(Headers.CE_SUBJECT, dispatch.workflowId().value());
        headers.put(Headers.CE_TIME, Instant.now().toString());
        headers.put(Headers.CONTENT_TYPE, Headers.APPLICATION_JSON);
        headers.put(Headers.TRACEPARENT, TRACEPARENT);
        sendRaw(
                tasksTopic(dispatch.type()),
                dispatch.workflowId().value(),
                EventCodec.json().encode(dispatch),
                headers);
    }

    /** Produces a cancellation to the cancellations topic as the scheduler's relay would. */
    public void send(TaskCancel cancel) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(Headers.CE_SPECVERSION, Headers.SPECVERSION);
        headers.put(Headers.CE_ID, UUID.randomUUID().toString());
        headers.put(Headers.CE_TYPE, EventTypes.of(TaskCancel.class));
        headers.put(Headers.CE_SOURCE, "/test");
        headers.put(Headers.CE_SUBJECT, cancel.workflowId().value());
        headers.put(Headers.CE_TIME, Instant.now().toString());
        headers.put(Headers.CONTENT_TYPE, Headers.APPLICATION_JSON);
        sendRaw(
                cancellationsTopic,
                cancel.workflowId().value(),
                EventCodec.json().encode(cancel),
                headers);
    }

    /** A cancellation of attempt 1 of a task (the attempt {@link #dispatch} makes). */
    public static TaskCancel cancel(String workflowId, String taskId, TaskKind kind, String reason) {
        return new TaskCancel(WorkflowId.of(workflowId), TaskId.of(taskId), 1, kind, reason, Instant.now());
    }

    /** Produces any record and waits for the acknowledgement. */
    public void sendRaw(String topic, @Nullable String key, byte[] value, Map<String, String> headers) {
        RecordHeaders recordHeaders = new RecordHeaders();
        headers.forEach((name, headerValue) -> recordHeaders.add(name, headerValue.getBytes(StandardCharsets.UTF_8)));
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        try {
            producer.send(new ProducerRecord<>(topic, null, keyBytes, value, recordHeaders))
                    .get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce to " + topic, e);
        }
    }

    /** Every record on the events topic so far. */
    public List<ConsumerRecord<byte[], byte[]>> eventRecords() {
        return events.records();
    }

    /** Every event on the events topic so far, decoded by its {@code ce_type}. */
    public List<WorkflowEvent> events() {
        return eventRecords().stream()
                .map(r -> EventCodec.json().decodeEvent(header(r, Headers.CE_TYPE), r.value()))
                .toList();
    }

    /** Every record on the dead-letter topic so far. */
    public List<ConsumerRecord<byte[], byte[]>> deadLetters() {
        return deadLetters.records();
    }

    /** The committed offset of the type's consumer group on partition 0 (-1 if none). */
    public long committedOffset(String type) {
        return committedOffset(type, 0);
    }

    public long committedOffset(String type, int partition) {
        try (Admin admin = TestInfra.kafka().admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(groupPrefix + type)
                    .partitionsToOffsetAndMetadata()
                    .get(60, TimeUnit.SECONDS);
            OffsetAndMetadata offset = offsets.get(new TopicPartition(tasksTopic(type), partition));
            return offset == null ? -1 : offset.offset();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static @Nullable String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    public static @Nullable String key(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        workers.forEach(worker -> worker.stop(Duration.ZERO));
        producer.close(Duration.ofSeconds(10));
        events.close();
        deadLetters.close();
    }

    /** Reads a whole topic from the beginning, accumulating. */
    private static final class Reader {

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

        Reader(String topic) {
            consumer = new KafkaConsumer<>(
                    Map.of(
                            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            bootstrapServers(),
                            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                            false),
                    new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(60)).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        synchronized List<ConsumerRecord<byte[], byte[]>> records() {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return List.copyOf(records);
        }

        synchronized void close() {
            consumer.close();
        }
    }
}
