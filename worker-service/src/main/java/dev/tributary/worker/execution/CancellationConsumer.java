package dev.tributary.worker.execution;

import dev.tributary.events.task.TaskCommand.TaskCancel;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every {@code TaskCancel} of the cancellations topic, on its own thread, and hands each to
 * the worker. Every worker instance must see every cancellation, so this consumer is in no group:
 * it {@code assign}s itself all partitions of the topic, looks for new ones (and for the topic
 * while it does not exist) every {@code refreshInterval}, and commits nothing. A partition it
 * starts reading is read from the first record of the last {@code lookback} (the time a
 * cancellation is remembered), so a worker that (re)starts still drops the recently cancelled
 * attempts it may be given again. Undecodable records are dead-lettered; the consumer never
 * stops on a bad record or on a broker that is away.
 */
final class CancellationConsumer implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(CancellationConsumer.class);
    /** How long one metadata or offsets look may take; a stop request cuts it short (wake-up). */
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(30);

    private final String topic;
    private final org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;
    private final CancelDecoder decoder;
    private final EventPublisher publisher;
    private final Consumer<TaskCancel> onCancel;
    private final Duration pollTimeout;
    private final Duration refreshInterval;
    private final Duration lookback;
    private final Clock clock;

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Set<TopicPartition> assigned = new HashSet<>();
    private long nextRefreshNanos = System.nanoTime();
    private boolean reportedMissing;

    CancellationConsumer(
            String topic,
            org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer,
            CancelDecoder decoder,
            EventPublisher publisher,
            Consumer<TaskCancel> onCancel,
            Duration pollTimeout,
            Duration refreshInterval,
            Duration lookback,
            Clock clock) {
        this.topic = topic;
        this.consumer = consumer;
        this.decoder = decoder;
        this.publisher = publisher;
        this.onCancel = onCancel;
        this.pollTimeout = pollTimeout;
        this.refreshInterval = refreshInterval;
        this.lookback = lookback;
        this.clock = clock;
    }

    /** Asks the consumer to stop; it closes its Kafka consumer on its own thread. */
    void requestStop() {
        stopRequested.countDown();
        consumer.wakeup();
    }

    /** Waits until the consumer is closed; false if the wait timed out. */
    boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private boolean stopping() {
        return stopRequested.getCount() == 0;
    }

    @Override
    public void run() {
        try {
            while (!stopping()) {
                try {
                    step();
                } catch (WakeupException e) {
                    // requestStop(); the loop condition decides
                } catch (KafkaException e) {
                    log.warn(
                            "Reading cancellations from {} failed, trying again in {}: {}",
                            topic,
                            pollTimeout,
                            e.toString());
                    stopRequested.await(pollTimeout.toNanos(), TimeUnit.NANOSECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("The cancellation consumer of {} stopped unexpectedly", topic, e);
        } finally {
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(10)));
            } catch (RuntimeException e) {
                log.warn("Closing the cancellation consumer of {} failed", topic, e);
            }
            terminated.countDown();
        }
    }

    private void step() throws InterruptedException {
        if (System.nanoTime() - nextRefreshNanos >= 0) {
            nextRefreshNanos = System.nanoTime() + refreshInterval.toNanos();
            refreshPartitions();
        }
        if (assigned.isEmpty()) {
            // Nothing to read yet: wait for the next look at the topic (or the stop request).
            stopRequested.await(Math.max(0, nextRefreshNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return;
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(pollTimeout)) {
            accept(record);
        }
    }

    private void refreshPartitions() {
        List<PartitionInfo> partitions;
        try {
            partitions = consumer.partitionsFor(topic, LOOKUP_TIMEOUT);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            partitions = List.of();
            log.debug("Cannot list the partitions of {} yet: {}", topic, e.toString());
        }
        if (partitions == null || partitions.isEmpty()) {
            if (!reportedMissing && assigned.isEmpty()) {
                reportedMissing = true;
                log.info(
                        "The cancellations topic {} does not exist yet; looking again every {}",
                        topic,
                        refreshInterval);
            }
            return;
        }
        List<TopicPartition> added = new ArrayList<>();
        for (PartitionInfo partition : partitions) {
            TopicPartition topicPartition = new TopicPartition(partition.topic(), partition.partition());
            if (!assigned.contains(topicPartition)) {
                added.add(topicPartition);
            }
        }
        if (added.isEmpty()) {
            return;
        }
        // Assigned before asking where to start (the client warns about list-offsets answers for
        // partitions it does not own); a failure takes them back for the next look. The end
        // offsets are taken first: a partition with nothing since the look-back starts at its end
        // as of then, so a record appended meanwhile is still read.
        List<TopicPartition> before = List.copyOf(assigned);
        assigned.addAll(added);
        consumer.assign(List.copyOf(assigned));
        Map<TopicPartition, Long> ends;
        Map<TopicPartition, OffsetAndTimestamp> offsets;
        try {
            ends = consumer.endOffsets(added, LOOKUP_TIMEOUT);
            long since = clock.instant().minus(lookback).toEpochMilli();
            Map<TopicPartition, Long> timestamps = new HashMap<>();
            added.forEach(partition -> timestamps.put(partition, since));
            offsets = consumer.offsetsForTimes(timestamps, LOOKUP_TIMEOUT);
        } catch (KafkaException e) {
            added.forEach(assigned::remove);
            consumer.assign(before);
            throw e;
        }
        for (TopicPartition partition : added) {
            OffsetAndTimestamp offset = offsets.get(partition);
            Long end = ends.get(partition);
            if (offset != null) {
                consumer.seek(partition, offset.offset());
            } else if (end != null) {
                consumer.seek(partition, end);
            } else {
                consumer.seekToEnd(List.of(partition));
            }
        }
        log.info("Reading cancellations from {} (since {} ago)", added, lookback);
    }

    private void accept(ConsumerRecord<byte[], byte[]> record) {
        switch (decoder.decode(record)) {
            case CancelDecoder.Accepted accepted -> onCancel.accept(accepted.cancel());
            case CancelDecoder.Rejected rejected -> {
                log.warn(
                        "Dead-lettering {}-{}@{}: {}",
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        rejected.reason());
                publisher
                        .deadLetter(record, rejected.reason(), rejected.cause())
                        .whenComplete((ignored, e) -> {
                            if (e instanceof RecordTooLargeException) {
                                log.error(
                                        "Record {}-{}@{} is too large even for the dead-letter topic; skipped",
                                        record.topic(),
                                        record.partition(),
                                        record.offset());
                            } else if (e != null) {
                                log.warn(
                                        "Dead-lettering {}-{}@{} failed: {}",
                                        record.topic(),
                                        record.partition(),
                                        record.offset(),
                                        e.toString());
                            }
                        });
            }
        }
    }
}
