package dev.tributary.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer thread: poll, apply the batch in one transaction, repeat. Positions come from the
 * offset store only: on assignment, and after any failed batch, the consumer seeks every assigned
 * partition to its stored offset (or to the beginning when none is stored), so a failed batch is
 * simply polled again and Kafka's committed offsets never matter.
 */
public final class ConsumerLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaConsumer<String, byte[]> consumer;
    private final String name;
    private final String topic;
    private final String groupId;
    private final BatchHandler handler;
    private final OffsetStore offsets;
    private final Duration pollTimeout;
    private final Duration errorBackoff;
    /** What the store holds for each assigned partition; {@link OffsetStore#NONE} for nothing. */
    private final Map<TopicPartition, Long> stored = new HashMap<>();

    private volatile boolean running = true;
    private boolean rewind;

    /**
     * @param name what the logs call this consumer, e.g. {@code history} or {@code projection}
     */
    public ConsumerLoop(
            KafkaConsumer<String, byte[]> consumer,
            String name,
            String topic,
            String groupId,
            BatchHandler handler,
            OffsetStore offsets,
            Duration pollTimeout,
            Duration errorBackoff) {
        this.consumer = consumer;
        this.name = name;
        this.topic = topic;
        this.groupId = groupId;
        this.handler = handler;
        this.offsets = offsets;
        this.pollTimeout = pollTimeout;
        this.errorBackoff = errorBackoff;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic), new Rebalance());
            while (running) {
                if (rewind) {
                    try {
                        seekToStored(consumer.assignment());
                        rewind = false;
                    } catch (RuntimeException e) {
                        log.warn("cannot read stored offsets; retrying in {}", errorBackoff, e);
                        backOff();
                        continue;
                    }
                }
                ConsumerRecords<String, byte[]> records = consumer.poll(pollTimeout);
                if (records.isEmpty()) {
                    continue;
                }
                List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(records.count());
                records.forEach(batch::add);
                try {
                    stored.putAll(handler.apply(batch, Map.copyOf(stored)));
                } catch (RuntimeException e) {
                    log.warn("{} batch of {} records failed; re-reading it in {}", name, batch.size(), errorBackoff, e);
                    backOff();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            log.error("{} consumer stopped", name, e);
            throw e;
        } finally {
            // Bounded: leaving the group must not hold up a shutdown when the broker is gone.
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        }
    }

    /** Waits without consuming, then makes the next iteration re-seek to the stored offsets. */
    private void backOff() {
        rewind = true;
        Collection<TopicPartition> assigned = consumer.assignment();
        consumer.pause(assigned);
        try {
            consumer.poll(errorBackoff); // paused: returns no records, just waits (and rebalances)
        } finally {
            consumer.resume(consumer.assignment());
        }
    }

    private void seekToStored(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        handler.positionsMoved();
        Map<TopicPartition, Long> found;
        try {
            found = offsets.load(groupId, partitions);
        } catch (RuntimeException e) {
            // Without stored offsets this consumer must not consume: drop the positions so the
            // next batch fails its offset check, and try again after the back-off.
            partitions.forEach(stored::remove);
            throw e;
        }
        List<TopicPartition> fromBeginning = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            Long offset = found.get(partition);
            if (offset == null) {
                fromBeginning.add(partition);
                stored.put(partition, OffsetStore.NONE);
            } else {
                consumer.seek(partition, offset);
                stored.put(partition, offset);
            }
        }
        if (!fromBeginning.isEmpty()) {
            consumer.seekToBeginning(fromBeginning);
        }
        log.info(
                "{} partitions positioned from the offset store: {} (from the beginning: {})",
                name,
                found,
                fromBeginning);
    }

    /** Stops the loop; the thread closes the consumer once the current batch has committed. */
    public void shutdown() {
        running = false;
        consumer.wakeup();
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            try {
                seekToStored(partitions);
            } catch (RuntimeException e) {
                log.warn("cannot read stored offsets for {}; retrying", partitions, e);
                rewind = true;
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            partitions.forEach(stored::remove);
            handler.positionsMoved();
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(stored::remove);
            handler.positionsMoved();
        }
    }
}
