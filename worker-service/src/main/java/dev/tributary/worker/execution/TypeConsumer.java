package dev.tributary.worker.execution;

import dev.tributary.events.Headers;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.worker.handler.TaskHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer of one task type, run on its own thread, which alone touches the {@link Consumer}.
 *
 * <p>Each polled record is decoded: an undecodable one is dead-lettered, a dispatch is queued and
 * started on the task executor while fewer than {@code bound} tasks are running. While tasks are
 * queued or the bound is reached, every assigned partition is paused (the consumer keeps polling,
 * so it stays in the group, but fetches nothing) and the thread waits for a task to finish.
 * {@code max.poll.records} is set to the bound, so at most one poll's worth of records waits.
 *
 * <p>A record is done when its result (or its dead letter) is acknowledged by Kafka; the offset
 * committed per partition is one past the highest record before which every record is done (see
 * {@link OffsetTracker}). Commits are asynchronous while running and synchronous on revocation and
 * shutdown. On revocation the tasks of the revoked partitions keep running and publish their
 * results, but their offsets are no longer this consumer's to commit: the new owner may run them
 * again (at-least-once; results of an attempt are idempotent downstream).
 *
 * <p>Cancellation ({@link #cancel}, from the worker's cancellation consumer, handled on this
 * thread): a running attempt with the cancelled idempotency key is interrupted (see {@link
 * TaskExecution#cancel}); a queued one is dropped at once, and one that arrives later is dropped
 * when it comes up (the worker remembers recent cancellations, {@link RecentAttempts}). A dropped
 * attempt reports {@code TaskFailed} {@code CANCELLED}; its record is done when Kafka acknowledged
 * that, so its offset is committed like any other.
 *
 * <p>Duplicates: a dispatch whose attempt finished here lately and whose result Kafka acknowledged
 * is the same dispatch delivered again (the scheduler's relay re-sends what it had not recorded as
 * sent when it crashed; a re-publish of a task topic): it is done at once, without running the
 * handler again. An attempt still running, or whose result was not acknowledged, is not remembered,
 * so its dispatch delivered again runs as before (at-least-once).
 *
 * <p>Shutdown: stop fetching, drop the queued records (uncommitted, so redelivered), wait up to
 * the grace period for running tasks, interrupt and abandon the rest (nothing published, not
 * committed, so redelivered), commit what is done and leave the group.
 */
final class TypeConsumer implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(TypeConsumer.class);
    private static final Runnable WAKE_UP = () -> {};

    private record Queued(ConsumerRecord<byte[], byte[]> record, TaskDispatch dispatch, OffsetTracker tracker) {}

    private final String topic;
    private final TaskHandler handler;
    private final Consumer<byte[], byte[]> consumer;
    private final DispatchDecoder decoder;
    private final TaskExecution.Services services;
    private final Executor taskExecutor;
    private final int bound;
    private final Duration pollTimeout;

    /** Work handed to the consumer thread by other threads (task completions). */
    private final BlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();

    private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
    private final ArrayDeque<Queued> queued = new ArrayDeque<>();
    private final Set<TaskExecution> running = new HashSet<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile int runningCount;
    private volatile boolean stopping;
    private volatile Duration grace = Duration.ZERO;

    TypeConsumer(
            String topic,
            TaskHandler handler,
            Consumer<byte[], byte[]> consumer,
            DispatchDecoder decoder,
            TaskExecution.Services services,
            Executor taskExecutor,
            int bound,
            Duration pollTimeout) {
        this.topic = topic;
        this.handler = handler;
        this.consumer = consumer;
        this.decoder = decoder;
        this.services = services;
        this.taskExecutor = taskExecutor;
        this.bound = bound;
        this.pollTimeout = pollTimeout;
    }

    /** Tasks started and not yet finished (including publishing their result). */
    int running() {
        return runningCount;
    }

    /** Stops the attempt {@code cancel} names if it is running or queued here; any thread. */
    void cancel(TaskCancel cancel) {
        inbox.add(() -> onCancel(cancel));
    }

    private void onCancel(TaskCancel cancel) {
        String key = cancel.idempotencyKey();
        for (TaskExecution execution : running) {
            if (TaskExecution.attemptKey(execution.dispatch()).equals(key)) {
                execution.cancel(cancel);
            }
        }
        queued.removeIf(next -> {
            if (!TaskExecution.attemptKey(next.dispatch()).equals(key)) {
                return false;
            }
            drop(next, cancel);
            return true;
        });
    }

    private void drop(Queued dropped, TaskCancel cancel) {
        OffsetTracker tracker = dropped.tracker();
        long offset = dropped.record().offset();
        TaskExecution.reportCancelledBeforeStart(dropped.dispatch(), trace(dropped.record()), cancel, services)
                .whenComplete((ignored, e) -> {
                    if (e == null) {
                        inbox.add(() -> markDone(tracker, offset));
                    } else {
                        log.warn("The cancellation of {} was not published: {}", offset, e.toString());
                    }
                });
    }

    /** Asks the consumer to stop, letting running tasks finish for up to {@code grace}. */
    void requestStop(Duration grace) {
        this.grace = grace;
        this.stopping = true;
        inbox.add(WAKE_UP);
        consumer.wakeup();
    }

    /** Waits until the consumer has left its group; false if the wait timed out. */
    boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic), new Rebalance());
            while (!stopping) {
                try {
                    step();
                } catch (WakeupException e) {
                    // requestStop(); the loop condition decides
                } catch (KafkaException e) {
                    log.error("Consumer of {} failed, polling again in {}", topic, pollTimeout, e);
                    awaitInbox(pollTimeout);
                }
            }
            shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandonAll();
        } catch (RuntimeException | Error e) {
            log.error("Consumer of {} stopped unexpectedly", topic, e);
            abandonAll();
        } finally {
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(10)));
            } catch (RuntimeException e) {
                log.warn("Closing the consumer of {} failed", topic, e);
            }
            terminated.countDown();
        }
    }

    private void step() throws InterruptedException {
        boolean saturated = !queued.isEmpty() || running.size() >= bound;
        if (saturated) {
            consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
        accept(consumer.poll(saturated ? Duration.ZERO : pollTimeout));
        if (saturated) {
            awaitInbox(pollTimeout);
        } else {
            drainInbox();
        }
        startQueued();
        commitAsync();
    }

    private void accept(ConsumerRecords<byte[], byte[]> records) {
        for (ConsumerRecord<byte[], byte[]> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            OffsetTracker tracker = trackers.computeIfAbsent(partition, OffsetTracker::new);
            tracker.received(record.offset());
            switch (decoder.decode(record)) {
                case DispatchDecoder.Accepted accepted -> queued.add(new Queued(record, accepted.dispatch(), tracker));
                case DispatchDecoder.Rejected rejected -> deadLetter(record, rejected, tracker);
            }
        }
    }

    private void deadLetter(
            ConsumerRecord<byte[], byte[]> record, DispatchDecoder.Rejected rejected, OffsetTracker tracker) {
        log.warn("Dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), rejected.reason());
        services.metrics().deadLettered(handler.type());
        long offset = record.offset();
        services.publisher()
                .deadLetter(record, rejected.reason(), rejected.cause())
                .whenComplete((ignored, e) -> {
                    if (e != null && !(e instanceof RecordTooLargeException)) {
                        return; // the worker is closing; the record will be read again
                    }
                    if (e != null) {
                        log.error(
                                "Record {}-{}@{} is too large even for the dead-letter topic; skipped",
                                record.topic(),
                                record.partition(),
                                offset);
                    }
                    inbox.add(() -> markDone(tracker, offset));
                });
    }

    private void startQueued() {
        while (!queued.isEmpty() && running.size() < bound && !stopping) {
            Queued next = queued.poll();
            String key = TaskExecution.attemptKey(next.dispatch());
            TaskCancel cancel = services.cancels().find(key);
            if (cancel != null) {
                drop(next, cancel);
                continue;
            }
            Instant finishedAt = services.finished().find(key);
            if (finishedAt != null) {
                log.debug(
                        "Skipping {}-{}@{}: attempt {} finished here at {} and its result was published",
                        next.record().topic(),
                        next.record().partition(),
                        next.record().offset(),
                        key,
                        finishedAt);
                services.metrics().duplicate(handler.type());
                markDone(next.tracker(), next.record().offset());
                continue;
            }
            List<Header> trace = trace(next.record());
            OffsetTracker tracker = next.tracker();
            long offset = next.record().offset();
            TaskExecution execution = new TaskExecution(
                    next.dispatch(),
                    trace,
                    handler,
                    services,
                    (finished, published) -> inbox.add(() -> finished(finished, tracker, offset, published)));
            running.add(execution);
            runningCount = running.size();
            try {
                taskExecutor.execute(execution);
            } catch (RejectedExecutionException e) {
                running.remove(execution);
                runningCount = running.size();
                queued.addFirst(next);
                log.warn("The task executor refused {}; the consumer of {} is stopping?", offset, topic);
                return;
            }
        }
    }

    /** The trace-context headers of a dispatch record, copied to the events of its attempt. */
    private static List<Header> trace(ConsumerRecord<byte[], byte[]> record) {
        List<Header> trace = new ArrayList<>(2);
        Header traceparent = record.headers().lastHeader(Headers.TRACEPARENT);
        Header tracestate = record.headers().lastHeader(Headers.TRACESTATE);
        if (traceparent != null) {
            trace.add(traceparent);
        }
        if (tracestate != null) {
            trace.add(tracestate);
        }
        return trace;
    }

    private void finished(TaskExecution execution, OffsetTracker tracker, long offset, boolean published) {
        running.remove(execution);
        runningCount = running.size();
        if (published) {
            services.finished()
                    .remember(
                            TaskExecution.attemptKey(execution.dispatch()),
                            services.clock().instant());
            markDone(tracker, offset);
        }
    }

    private void markDone(OffsetTracker tracker, long offset) {
        // A tracker replaced after a revocation belongs to an earlier assignment: ignore it.
        if (trackers.get(tracker.partition()) == tracker) {
            tracker.done(offset);
        }
    }

    private void awaitInbox(Duration timeout) throws InterruptedException {
        Runnable first = inbox.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (first != null) {
            first.run();
        }
        drainInbox();
    }

    private void drainInbox() {
        Runnable next;
        while ((next = inbox.poll()) != null) {
            next.run();
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> commitCandidates(Collection<OffsetTracker> of) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (OffsetTracker tracker : of) {
            OptionalLong offset = tracker.toCommit();
            if (offset.isPresent()) {
                offsets.put(tracker.partition(), new OffsetAndMetadata(offset.getAsLong()));
            }
        }
        return offsets;
    }

    private void commitAsync() {
        Map<TopicPartition, OffsetAndMetadata> offsets = commitCandidates(trackers.values());
        if (offsets.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetTracker> requestedFrom = new HashMap<>();
        offsets.forEach((partition, offset) -> {
            OffsetTracker tracker = trackers.get(partition);
            tracker.commitRequested(offset.offset());
            requestedFrom.put(partition, tracker);
        });
        consumer.commitAsync(offsets, (committed, e) -> {
            if (e != null) {
                log.warn("Committing {} failed, will commit again: {}", offsets, e.toString());
                offsets.forEach(
                        (partition, offset) -> requestedFrom.get(partition).commitFailed(offset.offset()));
            }
        });
    }

    private void commitSync(Collection<OffsetTracker> of) {
        Map<TopicPartition, OffsetAndMetadata> offsets = commitCandidates(of);
        if (offsets.isEmpty()) {
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                consumer.commitSync(offsets);
                offsets.forEach((partition, offset) -> {
                    OffsetTracker tracker = trackers.get(partition);
                    if (tracker != null) {
                        tracker.commitRequested(offset.offset());
                    }
                });
                return;
            } catch (WakeupException e) {
                if (attempt >= 3) {
                    log.warn("Committing {} was interrupted by wake-ups; giving up", offsets);
                    return;
                }
            } catch (KafkaException e) {
                log.warn("Committing {} failed; those records may be redelivered: {}", offsets, e.toString());
                return;
            }
        }
    }

    private void shutdown() throws InterruptedException {
        if (!queued.isEmpty()) {
            log.info(
                    "Consumer of {} stopping: {} queued records not started, they will be redelivered",
                    topic,
                    queued.size());
            queued.clear();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (!running.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                consumer.pause(consumer.assignment());
                consumer.poll(Duration.ZERO); // keeps the membership alive; nothing is fetched
            } catch (WakeupException e) {
                // the stop request's wake-up
            } catch (KafkaException e) {
                log.warn("Polling while stopping failed: {}", e.toString());
            }
            awaitInbox(Duration.ofNanos(Math.min(left, pollTimeout.toNanos())));
            commitAsync();
        }
        abandonAll();
        drainInbox();
        commitSync(trackers.values());
    }

    private void abandonAll() {
        if (!running.isEmpty()) {
            log.info(
                    "Consumer of {} stopping: interrupting {} running tasks, they will be redelivered",
                    topic,
                    running.size());
            running.forEach(TaskExecution::abandon);
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            drainInbox();
            List<OffsetTracker> revoked = new ArrayList<>();
            for (TopicPartition partition : partitions) {
                OffsetTracker tracker = trackers.get(partition);
                if (tracker != null) {
                    revoked.add(tracker);
                }
            }
            commitSync(revoked);
            forget(partitions);
            log.info("Consumer of {} lost partitions {} by rebalance", topic, partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
            log.warn("Consumer of {} lost partitions {} without a clean revocation", topic, partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                log.info("Consumer of {} assigned {}", topic, partitions);
            }
        }

        private void forget(Collection<TopicPartition> partitions) {
            partitions.forEach(trackers::remove);
            queued.removeIf(q -> partitions.contains(q.tracker().partition()));
        }
    }
}
