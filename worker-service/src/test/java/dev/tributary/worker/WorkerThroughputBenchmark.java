package dev.tributary.worker;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.testsupport.TestInfra;
import dev.tributary.worker.handler.NoopTaskHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Not a test: measures the worker alone on the embedded broker. (1) Throughput: N {@code noop}
 * dispatches produced up front, then a worker started; tasks/s until every {@code TaskSucceeded}
 * is on the events topic. (2) Pick-up latency: dispatches paced at a fixed rate to a running
 * worker; dispatch record timestamp to {@code TaskStarted} record timestamp (both stamped by
 * producers in this JVM). Run the main with the test classpath; args: tasks, rate, paced tasks, concurrency.
 */
public final class WorkerThroughputBenchmark {

    private WorkerThroughputBenchmark() {}

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } finally {
            TestInfra.kafka().close();
            System.exit(0);
        }
    }

    private static void run(String[] args) {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int paced = args.length > 2 ? Integer.parseInt(args[2]) : 2_000;
        String concurrency = args.length > 3 ? args[3] : "16";
        try (KafkaTestKit kit = KafkaTestKit.create("bench", 3, "noop");
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers()),
                        new ByteArraySerializer(),
                        new ByteArraySerializer());
                KafkaConsumer<byte[], byte[]> events = new KafkaConsumer<>(
                        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers()),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            TopicPartition eventsPartition = new TopicPartition(kit.eventsTopic(), 0);
            events.assign(List.of(eventsPartition));
            events.seekToBeginning(List.of(eventsPartition));

            for (int i = 0; i < tasks; i++) {
                producer.send(record(kit, "wf-" + i));
            }
            producer.flush();
            long start = System.nanoTime();
            kit.startWorker(Map.of("tributary.worker.concurrency", concurrency), new NoopTaskHandler());
            awaitSucceeded(events, tasks, new HashMap<>());
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "throughput: %d noop tasks, concurrency %s: %.1f s = %.0f tasks/s%n",
                    tasks, concurrency, seconds, tasks / seconds);

            Map<String, Long> dispatchedAt = new HashMap<>();
            long interval = TimeUnit.SECONDS.toNanos(1) / rate;
            long next = System.nanoTime();
            for (int i = 0; i < paced; i++) {
                String workflow = "paced-" + i;
                producer.send(record(kit, workflow), (metadata, e) -> {
                    if (e == null) {
                        synchronized (dispatchedAt) {
                            dispatchedAt.put(workflow, metadata.timestamp());
                        }
                    }
                });
                next += interval;
                LockSupport.parkNanos(next - System.nanoTime());
            }
            producer.flush();
            List<Long> latencies = new ArrayList<>();
            Map<String, Long> startedAt = new HashMap<>();
            awaitSucceeded(events, paced, startedAt);
            synchronized (dispatchedAt) {
                startedAt.forEach((workflow, at) -> {
                    Long dispatched = dispatchedAt.get(workflow);
                    if (dispatched != null) {
                        latencies.add(at - dispatched);
                    }
                });
            }
            Collections.sort(latencies);
            System.out.printf(
                    "pick-up latency at %d dispatches/s over %d tasks: p50 %d ms, p99 %d ms, max %d ms%n",
                    rate,
                    latencies.size(),
                    latencies.get(latencies.size() / 2),
                    latencies.get((int) (latencies.size() * 0.99)),
                    latencies.getLast());
        }
    }

    private static ProducerRecord<byte[], byte[]> record(KafkaTestKit kit, String workflow) {
        TaskDispatch dispatch = KafkaTestKit.dispatch("noop", workflow, "t", null);
        RecordHeaders headers = new RecordHeaders();
        headers.add(Headers.CE_TYPE, EventTypes.of(TaskDispatch.class).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(
                kit.tasksTopic("noop"),
                null,
                workflow.getBytes(StandardCharsets.UTF_8),
                EventCodec.json().encode(dispatch),
                headers);
    }

    /** Reads events until {@code count} more TaskSucceeded arrived; collects TaskStarted times of paced tasks. */
    private static void awaitSucceeded(KafkaConsumer<byte[], byte[]> events, int count, Map<String, Long> startedAt) {
        String succeeded = EventTypes.of(dev.tributary.events.history.WorkflowEvent.TaskSucceeded.class);
        String started = EventTypes.of(dev.tributary.events.history.WorkflowEvent.TaskStarted.class);
        int seen = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (seen < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : events.poll(Duration.ofMillis(200))) {
                String type = KafkaTestKit.header(record, Headers.CE_TYPE);
                if (succeeded.equals(type)) {
                    seen++;
                } else if (started.equals(type)) {
                    startedAt.put(KafkaTestKit.key(record), record.timestamp());
                }
            }
        }
        if (seen < count) {
            throw new IllegalStateException("only " + seen + " of " + count + " tasks succeeded");
        }
    }
}
