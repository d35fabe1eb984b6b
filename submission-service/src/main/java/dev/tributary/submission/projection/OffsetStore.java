package dev.tributary.submission.projection;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The projection's consumed offsets ({@code submission.consumer_offset}), stored next to the rows
 * they produced. Advancing is fenced: the row must still hold the offset this consumer last read or
 * wrote, so a consumer that lost its partition to another (a zombie after a rebalance) fails instead
 * of applying a batch the new owner applies too. (The same scheme as the scheduler's offset store.)
 */
class OffsetStore {

    /** The expected value when no offset has been stored for a partition yet. */
    static final long NONE = -1;

    private final JdbcTemplate jdbc;

    OffsetStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The next offset to consume per partition; partitions never stored are absent. */
    Map<TopicPartition, Long> load(String groupId, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        List<String> topics =
                partitions.stream().map(TopicPartition::topic).distinct().toList();
        for (String topic : topics) {
            jdbc.query(
                    "SELECT partition, next_offset FROM submission.consumer_offset WHERE group_id = ? AND topic = ?",
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
     * Advances the stored offsets.
     *
     * @param advances per partition: the offset expected in the store and the next one
     * @throws ConsumerFencedException when a row does not hold the expected offset
     */
    void advance(String groupId, Map<TopicPartition, Advance> advances) {
        for (Map.Entry<TopicPartition, Advance> entry : advances.entrySet()) {
            TopicPartition partition = entry.getKey();
            long expected = entry.getValue().expected();
            long next = entry.getValue().next();
            int updated = jdbc.update("""
                    INSERT INTO submission.consumer_offset (group_id, topic, partition, next_offset)
                    VALUES (?, ?, ?, ?)
                    ON CONFLICT (group_id, topic, partition) DO UPDATE
                        SET next_offset = EXCLUDED.next_offset, updated_at = now()
                        WHERE submission.consumer_offset.next_offset = ?
                    """, groupId, partition.topic(), partition.partition(), next, expected);
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
    record Advance(long expected, long next) {}

    /** Another consumer advanced a partition's stored offset: this one must re-seek. */
    static final class ConsumerFencedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConsumerFencedException(String message) {
            super(message);
        }
    }
}
