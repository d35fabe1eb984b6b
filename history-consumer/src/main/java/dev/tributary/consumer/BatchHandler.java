package dev.tributary.consumer;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/** A service's per-batch work: one poll batch applied in one transaction with its offsets. */
@FunctionalInterface
public interface BatchHandler {

    /**
     * Applies the records and advances their stored offsets ({@link OffsetStore#advance(String,
     * List, Map)}) in one transaction.
     *
     * @param stored what the store holds for each assigned partition ({@link OffsetStore#NONE} when
     *     nothing); covers every partition of the batch
     * @return the offsets stored for the batch's partitions once it committed
     */
    Map<TopicPartition, Long> apply(List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored);

    /**
     * Applies records that lie below their partition's replay barrier ({@link Replays}): the state
     * is being rebuilt from the log, so whatever the records would make the service emit is on the
     * log already. Same contract as {@link #apply}; by default just that.
     */
    default Map<TopicPartition, Long> replay(
            List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored) {
        return apply(records, stored);
    }

    /**
     * A partition's consumer position reached its replay barrier: every record below it has been
     * replayed. Runs {@code finishReplay} (which clears the barrier, fenced on the stored offset) in
     * one transaction with whatever the service does when it switches back to live processing of that
     * partition; called at most once per partition and replay unless the transaction fails. By
     * default just {@code finishReplay}, in a transaction of its own.
     *
     * @param stored the offset the store holds for the partition
     */
    default void caughtUp(TopicPartition partition, long stored, Runnable finishReplay) {
        finishReplay.run();
    }

    /**
     * The consumer's positions moved (seek to the stored offsets, partitions revoked or lost):
     * whatever the handler cached about the consumed state may be ahead of or behind them.
     */
    default void positionsMoved() {}
}
