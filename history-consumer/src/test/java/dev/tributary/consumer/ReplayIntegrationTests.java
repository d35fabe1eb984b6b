package dev.tributary.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tributary.consumer.ConsumerGroup.Settings;
import dev.tributary.consumer.OffsetStore.Advance;
import dev.tributary.consumer.OffsetStore.ConsumerFencedException;
import dev.tributary.consumer.ReplayStatus.PartitionProgress;
import dev.tributary.consumer.ReplayStatus.State;
import dev.tributary.testsupport.TestInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Replays of a consumer group against the real broker and PostgreSQL: a recording handler writes
 * every record it gets (and how) and every catch-up into tables next to the offsets.
 */
class ReplayIntegrationTests {

    private static final Duration AWAIT = Duration.ofSeconds(90);

    private static JdbcTemplate jdbc;
    private static DataSourceTransactionManager transactionManager;
    private static TransactionTemplate transactions;
    private static KafkaProducer<String, byte[]> producer;

    private final List<ConsumerGroup> groups = new ArrayList<>();
    private String groupId = "";
    private String schema = "";
    private String topic = "";
    private OffsetStore offsets = new OffsetStore(new JdbcTemplate(), "unset");
    private Replays replays = new Replays(new JdbcTemplate(), new DataSourceTransactionManager(), offsets, Map.of());

    @BeforeAll
    static void database() {
        String database = TestInfra.uniqueName("consumer");
        TestInfra.postgres().createDatabase(database);
        DataSource dataSource = TestInfra.postgres().dataSource(database);
        jdbc = new JdbcTemplate(dataSource);
        transactionManager = new DataSourceTransactionManager(dataSource);
        transactions = new TransactionTemplate(transactionManager);
        producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        TestInfra.kafka().bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    @AfterAll
    static void closeProducer() {
        producer.close();
    }

    @BeforeEach
    void tables() {
        // A group per test: a member of an earlier test that left uncleanly cannot hold up the join.
        groupId = TestInfra.uniqueName("replay-tests");
        schema = TestInfra.uniqueName("replay");
        topic = TestInfra.uniqueName("replay-topic");
        TestInfra.kafka().createTopic(topic, 2);
        jdbc.execute("CREATE SCHEMA " + schema);
        jdbc.execute("CREATE TABLE " + schema + ".consumer_offset (group_id text NOT NULL, topic text NOT NULL,"
                + " partition int NOT NULL, next_offset bigint NOT NULL, replay_from bigint, replay_until bigint,"
                + " updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (group_id, topic, partition))");
        jdbc.execute("CREATE TABLE " + schema + ".consumer_replay (group_id text PRIMARY KEY, topic text NOT NULL,"
                + " requested_from timestamptz, started_at timestamptz NOT NULL, finished_at timestamptz,"
                + " state text NOT NULL, partitions jsonb NOT NULL)");
        jdbc.execute("CREATE TABLE " + schema + ".applied (partition int, record_offset bigint, mode text)");
        jdbc.execute("CREATE TABLE " + schema + ".caught_up (partition int, stored bigint)");
        offsets = new OffsetStore(jdbc, schema + ".consumer_offset");
        replays = new Replays(jdbc, transactionManager, offsets, consumerConfig());
    }

    @AfterEach
    void stopGroups() {
        groups.forEach(ConsumerGroup::stop);
    }

    @Test
    void replaysBelowTheBarrierThenCatchesUpOncePerPartitionAndContinuesLive() {
        produce(0, 4);
        produce(1, 4);
        ConsumerGroup group = group(new Recording());
        group.start();
        await().atMost(AWAIT).until(() -> count("applied", "mode = 'live'") == 8);

        ReplayStatus started = replays.start(group, null, () -> jdbc.update("DELETE FROM " + schema + ".applied"));
        produce(0, 2);
        produce(1, 2);

        await().atMost(AWAIT).until(() -> count("applied", "true") == 12 && count("caught_up", "true") == 2);
        assertThat(started.state()).isIn(State.RUNNING, State.FINISHED);
        assertThat(started.total()).isEqualTo(8);
        assertThat(applied("replay")).containsExactly("0@0", "0@1", "0@2", "0@3", "1@0", "1@1", "1@2", "1@3");
        assertThat(applied("live")).containsExactly("0@4", "0@5", "1@4", "1@5");
        assertThat(jdbc.queryForList(
                        "SELECT partition || ':' || stored FROM " + schema + ".caught_up ORDER BY partition",
                        String.class))
                .containsExactly("0:4", "1:4");
        await().atMost(AWAIT).until(() -> replays.status(groupId, topic).state() == State.FINISHED);
        ReplayStatus finished = replays.status(groupId, topic);
        assertThat(finished.replayed()).isEqualTo(8);
        assertThat(finished.total()).isEqualTo(8);
        assertThat(finished.finishedAt()).isNotNull();
        assertThat(finished.partitions())
                .containsExactly(new PartitionProgress(0, 0, 4, 6, 4, 4), new PartitionProgress(1, 0, 4, 6, 4, 4));
    }

    @Test
    void resumesAfterACrashBetweenReplayAndCatchUpAndCatchesUpOnAnEmptyPoll() {
        produce(0, 3);
        produce(1, 3);
        Recording crashing = new Recording();
        crashing.failCatchUp = true;
        ConsumerGroup first = group(crashing);
        replays.start(first, null, () -> {});
        first.start();
        await().atMost(AWAIT).until(() -> count("applied", "mode = 'replay'") == 6 && crashing.catchUpFailures > 1);
        first.stop(); // the process dies: the replayed batches committed, the catch-up never did

        assertThat(replays.status(groupId, topic).state()).isEqualTo(State.RUNNING);
        ConsumerGroup second = group(new Recording());
        second.start();

        await().atMost(AWAIT).until(() -> replays.status(groupId, topic).state() == State.FINISHED);
        assertThat(count("caught_up", "true")).isEqualTo(2);
        assertThat(applied("replay")).containsExactly("0@0", "0@1", "0@2", "1@0", "1@1", "1@2");
        assertThat(count("applied", "true")).isEqualTo(6);
    }

    @Test
    void reportsProgressWhileReplayingAndRefusesASecondStart() {
        produce(0, 5);
        Recording slowed = new Recording();
        slowed.gate = new Semaphore(0);
        ConsumerGroup group = group(slowed);

        ReplayStatus started = replays.start(group, null, () -> {});
        assertThat(started.state()).isEqualTo(State.RUNNING);
        assertThat(started.partitions())
                .containsExactly(new PartitionProgress(0, 0, 5, 0, 0, 5), new PartitionProgress(1, 0, 0, 0, 0, 0));
        Replays otherInstance = new Replays(jdbc, transactionManager, offsets, consumerConfig());
        assertThatThrownBy(() -> otherInstance.start(group, null, () -> {}))
                .isInstanceOf(ReplayRunningException.class)
                .hasMessageContaining("RUNNING")
                .satisfies(e -> assertThat(((ReplayRunningException) e).status().total())
                        .isEqualTo(5));

        group.start();
        slowed.gate.release(); // one batch of at most 3 records
        await().atMost(AWAIT).until(() -> replays.status(groupId, topic).replayed() > 0);
        ReplayStatus midway = replays.status(groupId, topic);
        assertThat(midway.state()).isEqualTo(State.RUNNING);
        assertThat(midway.replayed()).isBetween(1L, 3L);
        assertThat(midway.remaining()).isEqualTo(5 - midway.replayed());

        slowed.gate.release(10);
        await().atMost(AWAIT).until(() -> replays.status(groupId, topic).state() == State.FINISHED);
        assertThat(replays.status(groupId, topic).replayed()).isEqualTo(5);
        assertThat(count("caught_up", "true")).isEqualTo(1); // partition 1 had nothing to replay
    }

    @Test
    void fencesAnotherInstanceThatStillHoldsItsOldPositions() {
        produce(0, 2);
        TopicPartition zero = new TopicPartition(topic, 0);
        TopicPartition one = new TopicPartition(topic, 1);
        offsets.advance(groupId, Map.of(zero, new Advance(OffsetStore.NONE, 2)));

        replays.start(group(new Recording()), null, () -> {});

        assertThatThrownBy(() -> offsets.advance(groupId, Map.of(zero, new Advance(2, 3))))
                .isInstanceOf(ConsumerFencedException.class);
        assertThatThrownBy(() -> offsets.advance(groupId, Map.of(one, new Advance(OffsetStore.NONE, 1))))
                .isInstanceOf(ConsumerFencedException.class);
        assertThat(offsets.positions(groupId, List.of(zero, one)))
                .containsEntry(zero, new OffsetStore.Position(0, 2L))
                .containsEntry(one, new OffsetStore.Position(0, null));
    }

    @Test
    void startsFromTheFirstRecordAtOrAfterATimestamp() throws Exception {
        Instant base = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < 4; i++) {
            producer.send(new ProducerRecord<>(topic, 0, base.plusSeconds(i).toEpochMilli(), "k", bytes("t" + i)))
                    .get(60, TimeUnit.SECONDS);
        }

        ReplayStatus started = replays.start(group(new Recording()), base.plusSeconds(2), () -> {});

        assertThat(started.requestedFrom()).isEqualTo(base.plusSeconds(2));
        assertThat(started.partitions())
                .containsExactly(new PartitionProgress(0, 2, 4, 2, 0, 2), new PartitionProgress(1, 0, 0, 0, 0, 0));
    }

    /** Applies in a transaction with the offsets and records what it got and how. */
    private final class Recording implements BatchHandler {

        volatile boolean failCatchUp;
        volatile int catchUpFailures;
        volatile @Nullable Semaphore gate;

        @Override
        public Map<TopicPartition, Long> apply(
                List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored) {
            return write(records, stored, "live");
        }

        @Override
        public Map<TopicPartition, Long> replay(
                List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored) {
            Semaphore permits = gate;
            if (permits != null) {
                try {
                    permits.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return write(records, stored, "replay");
        }

        private Map<TopicPartition, Long> write(
                List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored, String mode) {
            Map<TopicPartition, Long> next = transactions.execute(status -> {
                Map<TopicPartition, Long> advanced = offsets.advance(groupId, records, stored);
                for (ConsumerRecord<String, byte[]> record : records) {
                    jdbc.update(
                            "INSERT INTO " + schema + ".applied VALUES (?, ?, ?)",
                            record.partition(),
                            record.offset(),
                            mode);
                }
                return advanced;
            });
            return next == null ? Map.of() : next;
        }

        @Override
        public void caughtUp(TopicPartition partition, long stored, Runnable finishReplay) {
            transactions.executeWithoutResult(status -> {
                finishReplay.run();
                jdbc.update("INSERT INTO " + schema + ".caught_up VALUES (?, ?)", partition.partition(), stored);
                if (failCatchUp) {
                    catchUpFailures++;
                    throw new IllegalStateException("crash before the catch-up commits");
                }
            });
        }
    }

    private ConsumerGroup group(BatchHandler handler) {
        ConsumerGroup group = new ConsumerGroup(
                new Settings(
                        "test",
                        "replay",
                        "replay test consumer",
                        topic,
                        groupId,
                        1,
                        3,
                        Duration.ofMillis(200),
                        Duration.ofMillis(200),
                        false),
                consumerConfig(),
                () -> handler,
                offsets);
        groups.add(group);
        return group;
    }

    private static Map<String, Object> consumerConfig() {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.kafka().bootstrapServers());
    }

    private void produce(int partition, int count) {
        try {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, partition, "k" + i, bytes("v" + i)))
                        .get(60, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private int count(String table, String condition) {
        Integer count = jdbc.queryForObject(
                "SELECT count(*) FROM " + schema + "." + table + " WHERE " + condition, Integer.class);
        return count == null ? 0 : count;
    }

    private List<String> applied(String mode) {
        return jdbc.queryForList(
                "SELECT partition || '@' || record_offset FROM " + schema + ".applied WHERE mode = ?"
                        + " ORDER BY partition, record_offset",
                String.class,
                mode);
    }
}
