package dev.tributary.consumer;

import dev.tributary.consumer.ReplayStatus.PartitionProgress;
import dev.tributary.consumer.ReplayStatus.State;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Starts and reports replays of a consumer group: the group re-reads its topic from the beginning
 * (or from a timestamp) up to a barrier, the end offsets when the replay started, handing those
 * records to {@link BatchHandler#replay}, then catches up per partition ({@link
 * BatchHandler#caughtUp}) and continues live.
 *
 * <p>Starting is one transaction: a PostgreSQL advisory lock per offsets table and group (a second
 * start, from any instance, waits for it and then sees the first replay running), the rows of the
 * group locked (in-flight batches finish first, new ones wait), refusal when a partition still has
 * a barrier, the caller's wipe, then every partition's row set to {@code next_offset = from,
 * replay_from = from, replay_until = end}. The rows are updated, never deleted: another instance of
 * the group then fails its fenced {@link OffsetStore#advance} and re-seeks, reading the barrier.
 * Status lives in {@code <schema>.consumer_replay} (one row per group) so it survives the replay.
 */
public class Replays {

    private static final Logger log = LoggerFactory.getLogger(Replays.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final OffsetStore offsets;
    private final Map<String, Object> consumerConfig;
    private final ReentrantLock starting = new ReentrantLock();

    /**
     * @param offsets the group's offsets; its schema holds the {@code consumer_replay} table
     * @param consumerConfig settings (bootstrap servers, ...) of the consumer that looks up the
     *     topic's offsets
     */
    public Replays(
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            OffsetStore offsets,
            Map<String, Object> consumerConfig) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
        this.offsets = offsets;
        this.consumerConfig = new HashMap<>(consumerConfig);
    }

    /**
     * Registers the gauge {@code tributary.consumer.replay.remaining{group}}: the records the
     * group's running replay still has to read, 0 when none runs.
     *
     * @param description what the replayed records are, e.g. "Records of the history log still to
     *     replay in the running rebuild"
     */
    public void registerRemainingGauge(MeterRegistry meters, ConsumerGroup group, String description) {
        Gauge.builder(
                        "tributary.consumer.replay.remaining",
                        this,
                        replays ->
                                replays.status(group.groupId(), group.topic()).remaining())
                .description(description)
                .tag("group", group.groupId())
                .register(meters);
    }

    /** What a service does around the barrier. */
    public interface Preparation {

        /**
         * After the local consumer stopped, before the barrier is read and outside the transaction:
         * e.g. wait until what the service already emitted is on the topic.
         */
        default void beforeBarrier() {}

        /** In the start's transaction: deletes the state the replay rebuilds. */
        void wipe();
    }

    /**
     * Stops the local consumer, starts a replay of its group and restarts the consumer (if it was
     * running).
     *
     * @param from the timestamp to replay from ({@code offsetsForTimes}); null for the beginning
     * @return the status right after the start
     * @throws ReplayRunningException when a replay of the group runs or is being started
     */
    public ReplayStatus start(ConsumerGroup group, @Nullable Instant from, Preparation preparation) {
        String groupId = group.groupId();
        String topic = group.topic();
        if (!starting.tryLock()) {
            throw new ReplayRunningException("a replay of " + groupId + " is being started", status(groupId, topic));
        }
        try {
            ReplayStatus current = status(groupId, topic);
            if (current.state() == State.RUNNING) {
                throw running(current);
            }
            boolean wasRunning = group.isRunning();
            group.stop();
            try {
                preparation.beforeBarrier();
                transactions.executeWithoutResult(tx -> begin(groupId, topic, from, preparation));
            } finally {
                if (wasRunning) {
                    group.start();
                }
            }
            ReplayStatus started = status(groupId, topic);
            log.info(
                    "replay of {} from {} started: {} records on {} partitions",
                    groupId,
                    from == null ? "the beginning" : from,
                    started.total(),
                    started.partitions().size());
            return started;
        } finally {
            starting.unlock();
        }
    }

    private static ReplayRunningException running(ReplayStatus status) {
        return new ReplayRunningException(
                "a replay of " + status.consumerGroup() + " is " + status.state() + " since " + status.startedAt()
                        + " (" + status.replayed() + " of " + status.total() + " records replayed)",
                status);
    }

    private void begin(String groupId, String topic, @Nullable Instant from, Preparation preparation) {
        String table = offsets.table();
        jdbc.query(
                "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
                (RowCallbackHandler) rs -> {},
                "tributary-replay " + table + " " + groupId);
        jdbc.query(
                "SELECT partition FROM " + table + " WHERE group_id = ? AND topic = ? FOR UPDATE",
                (RowCallbackHandler) rs -> {},
                groupId,
                topic);
        if (replaying(groupId) > 0) {
            throw running(status(groupId, topic));
        }
        preparation.wipe();
        Map<Integer, long[]> bounds = bounds(topic, from);
        StringBuilder partitions = new StringBuilder("[");
        boolean anyToReplay = false;
        for (Map.Entry<Integer, long[]> entry : bounds.entrySet()) {
            long start = entry.getValue()[0];
            long end = entry.getValue()[1];
            boolean toReplay = end > start;
            anyToReplay |= toReplay;
            jdbc.update(
                    "INSERT INTO " + table
                            + " (group_id, topic, partition, next_offset, replay_from, replay_until)\n"
                            + "VALUES (?, ?, ?, ?, ?, ?)\n"
                            + "ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset ="
                            + " EXCLUDED.next_offset, replay_from = EXCLUDED.replay_from,"
                            + " replay_until = EXCLUDED.replay_until, updated_at = now()",
                    groupId,
                    topic,
                    entry.getKey(),
                    start,
                    start,
                    toReplay ? end : null);
            if (partitions.length() > 1) {
                partitions.append(',');
            }
            partitions
                    .append("{\"partition\":")
                    .append(entry.getKey())
                    .append(",\"from\":")
                    .append(start)
                    .append(",\"until\":")
                    .append(Math.max(start, end))
                    .append('}');
        }
        partitions.append(']');
        jdbc.update(
                "INSERT INTO " + offsets.replayTable()
                        + " (group_id, topic, requested_from, started_at, finished_at, state, partitions)\n"
                        + "VALUES (?, ?, ?, now(), CASE WHEN ? THEN NULL ELSE now() END, ?, ?::jsonb)\n"
                        + "ON CONFLICT (group_id) DO UPDATE SET topic = EXCLUDED.topic,"
                        + " requested_from = EXCLUDED.requested_from, started_at = EXCLUDED.started_at,"
                        + " finished_at = EXCLUDED.finished_at, state = EXCLUDED.state,"
                        + " partitions = EXCLUDED.partitions",
                groupId,
                topic,
                from == null ? null : OffsetDateTime.ofInstant(from, ZoneOffset.UTC),
                anyToReplay,
                anyToReplay ? State.RUNNING.name() : State.FINISHED.name(),
                partitions.toString());
    }

    /** How many partitions of the group are below a barrier. */
    private int replaying(String groupId) {
        Integer replaying = jdbc.queryForObject(
                "SELECT count(*) FROM " + offsets.table() + " WHERE group_id = ? AND replay_until IS NOT NULL",
                Integer.class,
                groupId);
        return replaying == null ? 0 : replaying;
    }

    /** Per partition: the offset to replay from and the end offset (read committed). */
    private Map<Integer, long[]> bounds(String topic, @Nullable Instant from) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Object clientId = config.getOrDefault(ConsumerConfig.CLIENT_ID_CONFIG, "tributary");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-replay-start");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions); // read_committed end offsets of unassigned partitions log warnings
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> starts = new HashMap<>();
            if (from == null) {
                starts.putAll(consumer.beginningOffsets(partitions));
            } else {
                Map<TopicPartition, Long> times = new HashMap<>();
                partitions.forEach(partition -> times.put(partition, from.toEpochMilli()));
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(times);
                for (TopicPartition partition : partitions) {
                    OffsetAndTimestamp offset = found.get(partition);
                    starts.put(partition, offset == null ? ends.get(partition) : offset.offset());
                }
            }
            Map<Integer, long[]> bounds = new TreeMap<>();
            for (TopicPartition partition : partitions) {
                bounds.put(partition.partition(), new long[] {starts.get(partition), ends.get(partition)});
            }
            return bounds;
        }
    }

    /** The group's replay: progress per partition from the stored offsets. */
    public ReplayStatus status(String groupId, String topic) {
        Map<Integer, Long> positions = new HashMap<>();
        jdbc.query(
                "SELECT partition, next_offset FROM " + offsets.table() + " WHERE group_id = ? AND topic = ?",
                (RowCallbackHandler) rs -> positions.put(rs.getInt("partition"), rs.getLong("next_offset")),
                groupId,
                topic);
        List<ReplayStatus> found = jdbc.query(
                "SELECT topic, requested_from, started_at, finished_at, state FROM " + offsets.replayTable()
                        + " WHERE group_id = ?",
                (rs, row) -> new ReplayStatus(
                        State.valueOf(rs.getString("state")),
                        groupId,
                        rs.getString("topic"),
                        instant(rs.getObject("requested_from", OffsetDateTime.class)),
                        instant(rs.getObject("started_at", OffsetDateTime.class)),
                        instant(rs.getObject("finished_at", OffsetDateTime.class)),
                        0,
                        0,
                        List.of()),
                groupId);
        if (found.isEmpty() || !found.get(0).topic().equals(topic)) {
            return new ReplayStatus(State.IDLE, groupId, topic, null, null, null, 0, 0, List.of());
        }
        ReplayStatus replay = found.get(0);
        State state = replay.state();
        if (state == State.RUNNING && replaying(groupId) == 0) {
            // The last barrier was cleared by a handler whose catch-up did not run in one
            // transaction with the status update: the barriers are what counts.
            state = State.FINISHED;
        }
        List<PartitionProgress> partitions = jdbc.query(
                "SELECT p.partition, p.\"from\", p.until FROM " + offsets.replayTable() + " r,"
                        + " jsonb_to_recordset(r.partitions) AS p(partition int, \"from\" bigint, until bigint)"
                        + " WHERE r.group_id = ? ORDER BY p.partition",
                (rs, row) -> {
                    int partition = rs.getInt("partition");
                    long from = rs.getLong("from");
                    long until = rs.getLong("until");
                    long position = positions.getOrDefault(partition, from);
                    long total = until - from;
                    long replayed = Math.max(0, Math.min(position, until) - from);
                    return new PartitionProgress(partition, from, until, position, replayed, total);
                },
                groupId);
        long replayed =
                partitions.stream().mapToLong(PartitionProgress::replayed).sum();
        long total = partitions.stream().mapToLong(PartitionProgress::total).sum();
        return new ReplayStatus(
                state,
                groupId,
                topic,
                replay.requestedFrom(),
                replay.startedAt(),
                replay.finishedAt(),
                replayed,
                total,
                partitions);
    }

    private static @Nullable Instant instant(@Nullable OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
