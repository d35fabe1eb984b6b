package dev.tributary.consumer;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The consumed offsets of the history log, stored next to the state they produced (a table with
 * columns {@code group_id, topic, partition, next_offset, updated_at}, primary key {@code (group_id,
 * topic, partition)}). Advancing is fenced: the row must still hold the offset this consumer last
 * read or wrote, so a consumer that lost its partition to another (a zombie after a rebalance) fails
 * instead of applying a batch the new owner applies too.
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
        if (partitions.isEmpty()) {
            return offsets;
        }
        List<String> topics =
                partitions.stream().map(TopicPartition::topic).distinct().toList();
        for (String topic : topics) {
            jdbc.query(
                    "SELECT partition, next_offset FROM " + table + " WHERE group_id = ? AND topic = ?",
                    rs -> {
                        TopicPartition partition = new TopicPartition(topic, rs.getInt("partition"));
                        if (partitions.contains(partition)) {
                            offsets.put(partition, rs.getLong("next_offset"));
                        }
                    },
                    groupId,
                    topic);
        }
        return offsets;
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
