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
     * The consumer's positions moved (seek to the stored offsets, partitions revoked or lost):
     * whatever the handler cached about the consumed state may be ahead of or behind them.
     */
    default void positionsMoved() {}
}
