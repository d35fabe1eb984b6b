package dev.tributary.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.events.Headers;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** The batch handler against a scripted sender: what is marked processed, what is re-sent. */
class RelayHandlerTests {

    private final OutboxRelayProperties properties = OutboxRelayProperties.of(Map.of(
            "schema", "s", "source", "/tributary/unit", "send-retry-backoff", "1ms", "send-retry-max-backoff", "2ms"));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final RelayMetrics metrics = new RelayMetrics(meters, "unit");
    private final AtomicReference<Instant> relayedUpTo = new AtomicReference<>();
    private final AtomicBoolean halted = new AtomicBoolean();
    private final ScriptedSender sender = new ScriptedSender();
    private final RecordingCommitter committer = new RecordingCommitter();
    private final RelayHandler handler = new RelayHandler(sender, properties, metrics, relayedUpTo::set, halted::get);

    @Test
    void producesOutboxEventsWithCloudEventsHeadersAndMarksEveryRecordInOrder() throws InterruptedException {
        List<RecordChangeEvent<SourceRecord>> batch =
                List.of(outbox("a", "t1", "k1"), heartbeat(), outbox("b", "t1", "k2"));

        handler.handleBatch(batch, committer);

        assertThat(committer.processed).containsExactlyElementsOf(batch);
        assertThat(committer.batchFinished).isTrue();
        assertThat(sender.sentIds()).containsExactly("a", "b");
        ProducerRecord<byte[], byte[]> first = sender.sent.getFirst();
        assertThat(first.topic()).isEqualTo("t1");
        assertThat(new String(first.key(), StandardCharsets.UTF_8)).isEqualTo("k1");
        assertThat(new String(first.value(), StandardCharsets.UTF_8)).isEqualTo("{\"n\": 1}");
        assertThat(header(first, Headers.CE_SOURCE)).isEqualTo("/tributary/unit");
        assertThat(header(first, Headers.CE_SPECVERSION)).isEqualTo("1.0");
        assertThat(header(first, Headers.CONTENT_TYPE)).isEqualTo("application/json");
        assertThat(header(first, Headers.CE_TIME)).isEqualTo("2026-01-02T03:04:05.123456Z");
        assertThat(first.headers().lastHeader(Headers.TRACEPARENT)).isNull();
        assertThat(meters.get(RelayMetrics.RELAYED).counter().count()).isEqualTo(2);
        assertThat(relayedUpTo.get()).isEqualTo(Instant.parse("2026-01-02T03:04:05.123456Z"));
    }

    @Test
    void resendsOnlyWhatIsUnacknowledgedAndMarksNothingPastAFailure() throws InterruptedException {
        sender.failures.add("b");
        sender.failures.add("b");
        List<RecordChangeEvent<SourceRecord>> batch =
                List.of(outbox("a", "t1", "k1"), outbox("b", "t2", "k1"), outbox("c", "t1", "k3"));

        handler.handleBatch(batch, committer);

        // b waits for a (same key, another topic); a and c were acknowledged at once; only b is sent again.
        assertThat(sender.sentIds()).containsExactly("a", "c", "b", "b", "b");
        assertThat(sender.overtaking).isEmpty();
        assertThat(committer.processed).containsExactlyElementsOf(batch);
        assertThat(meters.get(RelayMetrics.RETRIES).counter().count()).isEqualTo(2);
        assertThat(sender.resets).isEqualTo(2);
    }

    @Test
    void resendsLaterEventsOfTheSameKeyToKeepTheirOrder() throws InterruptedException {
        sender.failures.add("a");
        List<RecordChangeEvent<SourceRecord>> batch =
                List.of(outbox("a", "t1", "k1"), outbox("b", "t1", "k2"), outbox("c", "t1", "k1"));

        handler.handleBatch(batch, committer);

        assertThat(sender.sentIds()).containsExactly("a", "b", "c", "a", "c");
        assertThat(committer.processed).containsExactlyElementsOf(batch);
    }

    @Test
    void sendsAKeysEventOnAnotherTopicOnlyOnceItsEarlierEventsAreAcknowledged() throws InterruptedException {
        // The scheduler's batch: per workflow a history event, then the task dispatch it announces.
        List<RecordChangeEvent<SourceRecord>> batch = List.of(
                outbox("h1", "history", "w1"),
                outbox("d1", "tasks", "w1"),
                outbox("h2", "history", "w2"),
                outbox("d2", "tasks", "w2"),
                outbox("h1b", "history", "w1"));

        handler.handleBatch(batch, committer);

        assertThat(sender.sentIds()).containsExactly("h1", "h2", "d1", "d2", "h1b");
        assertThat(sender.overtaking).isEmpty();
        assertThat(committer.processed).containsExactlyElementsOf(batch);
    }

    @Test
    void neverLetsAKeysEventOnAnotherTopicOvertakeAFailedOne() throws InterruptedException {
        sender.failures.add("h1");
        List<RecordChangeEvent<SourceRecord>> batch =
                List.of(outbox("h1", "history", "w1"), outbox("d1", "tasks", "w1"), outbox("d2", "tasks", "w2"));

        handler.handleBatch(batch, committer);

        // Without rounds d1 went out with h1 and could reach its worker while h1 was being retried.
        assertThat(sender.sentIds()).containsExactly("h1", "d2", "h1", "d1");
        assertThat(sender.overtaking).isEmpty();
        assertThat(committer.processed).containsExactlyElementsOf(batch);
    }

    @Test
    void deadLettersAnEventKafkaCanNeverAcceptAndGoesOn() throws InterruptedException {
        sender.rejected.add("bad");
        List<RecordChangeEvent<SourceRecord>> batch =
                List.of(outbox("bad", "no such topic!", "k1"), outbox("b", "t1", "k2"));

        handler.handleBatch(batch, committer);

        assertThat(committer.processed).containsExactlyElementsOf(batch);
        ProducerRecord<byte[], byte[]> deadLetter = sender.sent.stream()
                .filter(record -> record.topic().equals("tributary.dead-letters"))
                .findFirst()
                .orElseThrow();
        assertThat(header(deadLetter, Headers.CE_ID)).isEqualTo("bad");
        assertThat(header(deadLetter, Headers.DLT_ORIGINAL_TOPIC)).isEqualTo("no such topic!");
        assertThat(header(deadLetter, Headers.DLT_EXCEPTION)).isEqualTo(InvalidTopicException.class.getName());
        assertThat(header(deadLetter, Headers.DLT_REASON)).contains("rejected");
        assertThat(meters.get(RelayMetrics.DEAD_LETTERED).counter().count()).isEqualTo(1);
        assertThat(meters.get(RelayMetrics.RETRIES).counter().count()).isZero();
    }

    @Test
    void stopsWithoutMarkingUnacknowledgedEventsWhenHalted() {
        sender.failForever.add("b");
        List<RecordChangeEvent<SourceRecord>> batch =
                List.of(outbox("a", "t1", "k1"), outbox("b", "t1", "k2"), outbox("c", "t1", "k3"));
        sender.onReset = () -> halted.set(true);

        assertThatThrownBy(() -> handler.handleBatch(batch, committer)).isInstanceOf(InterruptedException.class);

        assertThat(committer.processed).containsExactly(batch.getFirst());
        assertThat(committer.batchFinished).isFalse();
    }

    private static RecordChangeEvent<SourceRecord> outbox(String id, String topic, String key) {
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString(Headers.CE_ID, id);
        headers.addString(Headers.CE_TYPE, "tributary.test.v1");
        headers.addString(Headers.CE_SUBJECT, key);
        headers.addString(Headers.CE_TIME, "2026-01-02T03:04:05.123456Z");
        headers.add(Headers.TRACEPARENT, null, Schema.OPTIONAL_STRING_SCHEMA);
        SourceRecord record = new SourceRecord(
                Map.of(),
                Map.of(),
                topic,
                null,
                Schema.STRING_SCHEMA,
                key,
                Schema.STRING_SCHEMA,
                "{\"n\": 1}",
                null,
                headers);
        return () -> record;
    }

    private static RecordChangeEvent<SourceRecord> heartbeat() {
        SourceRecord record = new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat.x", Schema.STRING_SCHEMA, "x");
        return () -> record;
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    /** Acknowledges every send except scripted failures (each entry fails one send of that id). */
    private static final class ScriptedSender implements RelayHandler.EventSender {
        final List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        final Set<String> failForever = new HashSet<>();
        final Set<String> rejected = new HashSet<>();
        int resets;
        Runnable onReset = () -> {};

        /** Sends of an event while an earlier event of its key, on another topic, was not acknowledged. */
        final List<String> overtaking = new ArrayList<>();
        /** Ids whose successful send the handler has seen acknowledged (awaited). */
        private final Set<String> acknowledged = new HashSet<>();

        @Override
        public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
            String id = header(record, Headers.CE_ID);
            for (ProducerRecord<byte[], byte[]> earlier : sent) {
                String earlierId = header(earlier, Headers.CE_ID);
                if (Arrays.equals(earlier.key(), record.key())
                        && !earlier.topic().equals(record.topic())
                        && !acknowledged.contains(earlierId)) {
                    overtaking.add(id + " sent before " + earlierId + " was acknowledged");
                }
            }
            sent.add(record);
            if (rejected.contains(id) && !record.topic().equals("tributary.dead-letters")) {
                return CompletableFuture.failedFuture(new InvalidTopicException("invalid topic " + record.topic()));
            }
            if (failForever.contains(id) || failures.remove(id)) {
                return CompletableFuture.failedFuture(new TimeoutException("scripted failure of " + id));
            }
            return new Acknowledgement(id, new RecordMetadata(new TopicPartition(record.topic(), 0), 0, 0, 0, 0, 0));
        }

        /** A successful send, acknowledged to the handler when it awaits it (as a broker's answer). */
        private final class Acknowledgement implements Future<RecordMetadata> {
            private final String id;
            private final RecordMetadata metadata;

            Acknowledgement(String id, RecordMetadata metadata) {
                this.id = id;
                this.metadata = metadata;
            }

            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                return false;
            }

            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public boolean isDone() {
                return true;
            }

            @Override
            public RecordMetadata get() {
                acknowledged.add(id);
                return metadata;
            }

            @Override
            public RecordMetadata get(long timeout, TimeUnit unit) {
                return get();
            }
        }

        @Override
        public void reset() {
            resets++;
            onReset.run();
        }

        List<String> sentIds() {
            return sent.stream().map(record -> header(record, Headers.CE_ID)).toList();
        }
    }

    private static final class RecordingCommitter
            implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {
        final List<RecordChangeEvent<SourceRecord>> processed = new ArrayList<>();
        boolean batchFinished;

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record) {
            processed.add(record);
        }

        @Override
        public void markBatchFinished() {
            batchFinished = true;
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets offsets) {
            processed.add(record);
        }

        @Override
        public DebeziumEngine.Offsets buildOffsets() {
            return (key, value) -> {};
        }
    }
}
