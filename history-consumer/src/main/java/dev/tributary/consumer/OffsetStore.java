package dev.tributary.consumer;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The consumed offsets of the history log, stored next to the state they produced (a table with
 * columns {@code group_id, topic, partition, next_offset, replay_from, replay_until, updated_at},
 * primary key {@code (group_id, topic, partition)}). Advancing is fenced: the row must still hold the
 * offset this consumer last read or wrote, so a consumer that lost its partition to another (a zombie
 * after a rebalance) fails instead of applying a batch the new owner applies too.
 *
 * <p>A non-null {@code replay_until} is a replay barrier ({@link Replays}): the records below it are
 * replayed ({@link BatchHandler#replay}), and when the consumer's position reaches it the handler
 * catches up and clears it ({@link #finishReplay}).
 */
public class OffsetStore {

    /** The expected value when no offset has been stored for a partition yet. */
    public static final long NONE = -1;

    private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?");

    private final JdbcTemplate jdbc;
    private final String table;

    /**
     * @param table the offsets table, optionally schema-qualified, e.g. {@code
     *     scheduler.consumer_offset}
     */
    public OffsetStore(JdbcTemplate jdbc, String table) {
        if (!TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("not a plain table name: " + table);
        }
        this.jdbc = jdbc;
        this.table = table;
    }

    /** The next offset to consume per partition; partitions never stored are absent. */
    public Map<TopicPartition, Long> load(String groupId, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        positions(groupId, partitions).forEach((partition, position) -> offsets.put(partition, position.next()));
        return offsets;
    }

    /** The stored position and replay barrier per partition; partitions never stored are absent. */
    public Map<TopicPartition, Position> positions(String groupId, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Position> offsets = new HashMap<>();
        if (partitions.isEmpty()) {
            return offsets;
        }
        List<String> topics =
                partitions.stream().map(TopicPartition::topic).distinct().toList();
        for (String topic : topics) {
            jdbc.query(
                    "SELECT partition, next_offset, replay_until FROM " + table + " WHERE group_id = ? AND topic = ?",
                    rs -> {
                        TopicPartition partition = new TopicPartition(topic, rs.getInt("partition"));
                        if (partitions.contains(partition)) {
                            long next = rs.getLong("next_offset");
                            long until = rs.getLong("replay_until");
                            offsets.put(partition, new Position(next, rs.wasNull() ? null : until));
                        }
                    },
                    groupId,
                    topic);
        }
        return offsets;
    }

    /**
     * A partition's stored row.
     *
     * @param next the next offset to consume
     * @param replayUntil the replay barrier: records below it are replayed; null when not replaying
     */
    public record Position(long next, @Nullable Long replayUntil) {}

    /**
     * Ends a partition's replay: clears its barrier, fenced on the stored offset, and marks the
     * group's replay finished when it was the last partition replaying. Call it in the transaction
     * of the handler's catch-up work ({@link BatchHandler#caughtUp}).
     *
     * @param expected the offset the store must hold
     * @throws ConsumerFencedException when the row does not hold it or is not replaying
     */
    public void finishReplay(String groupId, TopicPartition partition, long expected) {
        int updated = jdbc.update(
                "UPDATE " + table + " SET replay_until = NULL, updated_at = now()\n"
                        + "WHERE group_id = ? AND topic = ? AND partition = ? AND next_offset = ?"
                        + " AND replay_until IS NOT NULL",
                groupId,
                partition.topic(),
                partition.partition(),
                expected);
        if (updated != 1) {
            throw new ConsumerFencedException(
                    "stored offset of " + partition + " is no longer " + expected + " or its replay ended");
        }
        jdbc.update(
                "UPDATE " + replayTable() + " SET state = 'FINISHED', finished_at = now()\n"
                        + "WHERE group_id = ? AND state = 'RUNNING' AND NOT EXISTS (SELECT 1 FROM " + table
                        + " WHERE group_id = ? AND replay_until IS NOT NULL)",
                groupId,
                groupId);
    }

    /** The offsets table, as given. */
    String table() {
        return table;
    }

    /** The replay status table next to the offsets table: {@code <schema>.consumer_replay}. */
    String replayTable() {
        int dot = table.indexOf('.');
        return dot < 0 ? "consumer_replay" : table.substring(0, dot) + ".consumer_replay";
    }

    /**
     * Advances the stored offsets past a batch's records; call it first in the batch's transaction,
     * so that a competing consumer of the same partitions blocks or fails before any work.
     *
     * @param stored the offset the store holds per partition ({@link #NONE} for none); must cover
     *     every partition of the batch
     * @return the next offset per partition of the batch
     * @throws ConsumerFencedException when a row does not hold the expected offset
     */
    public Map<TopicPartition, Long> advance(
            String groupId, List<? extends ConsumerRecord<?, ?>> records, Map<TopicPartition, Long> stored) {
        Map<TopicPartition, Long> next = new LinkedHashMap<>();
        for (ConsumerRecord<?, ?> record : records) {
            next.merge(new TopicPartition(record.topic(), record.partition()), record.offset() + 1, Math::max);
        }
        Map<TopicPartition, Advance> advances = new LinkedHashMap<>();
        next.forEach((partition, offset) -> {
            Long expected = stored.get(partition);
            if (expected == null) {
                throw new IllegalStateException("no stored position known for " + partition);
            }
            advances.put(partition, new Advance(expected, offset));
        });
        advance(groupId, advances);
        return next;
    }

    /**
     * Advances the stored offsets.
     *
     * @param advances per partition: the offset expected in the store and the next one
     * @throws ConsumerFencedException when a row does not hold the expected offset
     */
    public void advance(String groupId, Map<TopicPartition, Advance> advances) {
        for (Map.Entry<TopicPartition, Advance> entry : advances.entrySet()) {
            TopicPartition partition = entry.getKey();
            long expected = entry.getValue().expected();
            long next = entry.getValue().next();
            int updated = jdbc.update(
                    "INSERT INTO " + table + " (group_id, topic, partition, next_offset)\n"
                            + "VALUES (?, ?, ?, ?)\n"
                            + "ON CONFLICT (group_id, topic, partition) DO UPDATE\n"
                            + "    SET next_offset = EXCLUDED.next_offset, updated_at = now()\n"
                            + "    WHERE " + table + ".next_offset = ?",
                    groupId,
                    partition.topic(),
                    partition.partition(),
                    next,
                    expected);
            if (updated != 1) {
                throw new ConsumerFencedException("stored offset of " + partition + " is no longer " + expected
                        + "; another consumer applied it");
            }
        }
    }

    /**
     * One partition's move.
     *
     * @param expected the offset the store must hold ({@link #NONE} when it holds none)
     * @param next the next offset to consume
     */
    public record Advance(long expected, long next) {}

    /** Another consumer advanced a partition's stored offset: this one must re-seek. */
    public static final class ConsumerFencedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConsumerFencedException(String message) {
            super(message);
        }
    }
}
