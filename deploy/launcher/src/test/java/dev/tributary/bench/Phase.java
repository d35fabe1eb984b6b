package dev.tributary.bench;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;

/** One measured (or warm-up) batch of submissions and the counters the history reader updates. */
final class Phase {

    final String name;
    final Queue<Submission> submissions = new ConcurrentLinkedQueue<>();
    /** HTTP request → response, microseconds. */
    final Recorder httpMicros = new Recorder(3);

    final AtomicLong created = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong succeeded = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    /** Workflows that reached a final event (succeeded or failed or cancelled). */
    final AtomicLong finished = new AtomicLong();

    Phase(String name) {
        this.name = name;
    }

    List<Submission.Snapshot> snapshots() {
        return submissions.stream().map(Submission::snapshot).toList();
    }

    /** Waits until the counter reaches the target; false on timeout. */
    static boolean await(AtomicLong counter, long target, long timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (counter.get() < target) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        return true;
    }
}
