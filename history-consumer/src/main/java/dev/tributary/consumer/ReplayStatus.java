package dev.tributary.consumer;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a consumer group's replay stands ({@link Replays#status}).
 *
 * @param state {@code IDLE} (never replayed), {@code RUNNING} (a partition is below its barrier)
 *     or {@code FINISHED}
 * @param consumerGroup the group replaying
 * @param topic the topic replayed
 * @param requestedFrom the timestamp the replay started from; null for the beginning of the topic
 * @param startedAt when the replay started
 * @param finishedAt when the last partition caught up
 * @param replayed records replayed so far, over all partitions
 * @param total records to replay, over all partitions
 * @param partitions the progress of each partition
 */
public record ReplayStatus(
        State state,
        String consumerGroup,
        String topic,
        @Nullable Instant requestedFrom,
        @Nullable Instant startedAt,
        @Nullable Instant finishedAt,
        long replayed,
        long total,
        List<PartitionProgress> partitions) {

    /** A replay's lifecycle. */
    public enum State {
        /** The group never replayed. */
        IDLE,
        /** At least one partition is below its barrier. */
        RUNNING,
        /** Every partition caught up. */
        FINISHED
    }

    /**
     * One partition's progress (offsets; a record count where no offsets are missing).
     *
     * @param partition the partition
     * @param from the offset the replay started at
     * @param until the barrier: the end offset when the replay started
     * @param position the group's stored next offset
     * @param replayed offsets replayed, at most {@code total}
     * @param total offsets to replay
     */
    public record PartitionProgress(int partition, long from, long until, long position, long replayed, long total) {}

    /** Records still to replay. */
    public long remaining() {
        return total - replayed;
    }
}
