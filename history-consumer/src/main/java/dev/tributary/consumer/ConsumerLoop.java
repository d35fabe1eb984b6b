package dev.tributary.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 *
 * <p>Replay: a partition whose stored row has a replay barrier ({@link Replays}) hands its records
 * below the barrier to {@link BatchHandler#replay}. Once the consumer's position reached the barrier
 * (checked after every poll, also an empty one) the handler's {@link BatchHandler#caughtUp} clears it;
 * records at or after it are applied live. Each poll batch is handled in that order: replayed part,
 * catch-ups, live part, each its own transaction; a crash in between resumes from the stored rows.
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
    /** The replay barrier of each assigned partition still replaying. */
    private final Map<TopicPartition, Long> barriers = new ConcurrentHashMap<>();

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
                if (records.isEmpty() && barriers.isEmpty()) {
                    continue;
                }
                try {
                    handle(records);
                } catch (RuntimeException e) {
                    log.warn(
                            "{} batch of {} records failed; re-reading it in {}",
                            name,
                            records.count(),
                            errorBackoff,
                            e);
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

    /** Replayed part, catch-ups, live part (see the class comment). */
    private void handle(ConsumerRecords<String, byte[]> records) {
        List<ConsumerRecord<String, byte[]>> replayed = new ArrayList<>();
        List<ConsumerRecord<String, byte[]>> live = new ArrayList<>();
        for (TopicPartition partition : records.partitions()) {
            Long barrier = barriers.get(partition);
            for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
                if (barrier != null && record.offset() < barrier) {
                    replayed.add(record);
                } else {
                    live.add(record);
                }
            }
        }
        if (!replayed.isEmpty()) {
            stored.putAll(handler.replay(replayed, Map.copyOf(stored)));
        }
        for (Map.Entry<TopicPartition, Long> entry : Map.copyOf(barriers).entrySet()) {
            TopicPartition partition = entry.getKey();
            if (consumer.position(partition) < entry.getValue()) {
                continue;
            }
            Long position = stored.get(partition);
            if (position == null) {
                throw new IllegalStateException("no stored position known for " + partition);
            }
            long expected = position;
            handler.caughtUp(partition, expected, () -> offsets.finishReplay(groupId, partition, expected));
            barriers.remove(partition);
            log.info("{} partition {} caught up with its replay barrier {}", name, partition, entry.getValue());
        }
        if (!live.isEmpty()) {
            stored.putAll(handler.apply(live, Map.copyOf(stored)));
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
        Map<TopicPartition, OffsetStore.Position> found;
        try {
            found = offsets.positions(groupId, partitions);
        } catch (RuntimeException e) {
            // Without stored offsets this consumer must not consume: drop the positions so the
            // next batch fails its offset check, and try again after the back-off.
            partitions.forEach(stored::remove);
            partitions.forEach(barriers::remove);
            throw e;
        }
        List<TopicPartition> fromBeginning = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            OffsetStore.Position position = found.get(partition);
            barriers.remove(partition);
            if (position == null) {
                fromBeginning.add(partition);
                stored.put(partition, OffsetStore.NONE);
            } else {
                consumer.seek(partition, position.next());
                stored.put(partition, position.next());
                Long until = position.replayUntil();
                if (until != null) {
                    barriers.put(partition, until);
                }
            }
        }
        if (!fromBeginning.isEmpty()) {
            consumer.seekToBeginning(fromBeginning);
        }
        log.info(
                "{} partitions positioned from the offset store: {} (from the beginning: {}, replaying until: {})",
                name,
                found,
                fromBeginning,
                barriers);
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
            partitions.forEach(barriers::remove);
            handler.positionsMoved();
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(stored::remove);
            partitions.forEach(barriers::remove);
            handler.positionsMoved();
        }
    }
}
