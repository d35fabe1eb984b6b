package dev.tributary.worker.execution;

import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of one assigned partition that were received but are not yet committable, and the
 * offset that may be committed: one past the highest record such that it and every record received
 * before it are done (their results acknowledged by Kafka). Offsets need not be contiguous numbers
 * (compaction, transaction markers); "contiguous" means no received record in between is pending.
 * Used by the consumer thread only.
 */
final class OffsetTracker {

    private final TopicPartition partition;
    private final TreeMap<Long, Boolean> outstanding = new TreeMap<>();
    private long committable = -1;
    private long requested = -1;

    OffsetTracker(TopicPartition partition) {
        this.partition = partition;
    }

    TopicPartition partition() {
        return partition;
    }

    void received(long offset) {
        outstanding.put(offset, Boolean.FALSE);
    }

    void done(long offset) {
        if (outstanding.replace(offset, Boolean.TRUE) == null) {
            return;
        }
        Map.Entry<Long, Boolean> first;
        while ((first = outstanding.firstEntry()) != null && first.getValue()) {
            committable = first.getKey() + 1;
            outstanding.pollFirstEntry();
        }
    }

    /** The offset to commit, if it moved past the last one requested. */
    OptionalLong toCommit() {
        return committable > requested ? OptionalLong.of(committable) : OptionalLong.empty();
    }

    /** A commit of {@code offset} was sent. */
    void commitRequested(long offset) {
        requested = Math.max(requested, offset);
    }

    /** A commit of {@code offset} failed; commit it again next time. */
    void commitFailed(long offset) {
        if (requested == offset) {
            requested = -1;
        }
    }

    /** Records received and not yet done. */
    int pending() {
        return (int) outstanding.values().stream().filter(done -> !done).count();
    }
}
