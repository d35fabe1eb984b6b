package dev.tributary.worker.execution;

import dev.tributary.events.task.TaskCommand.TaskCancel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The cancellations this worker received lately, by the idempotency key of the attempt they stop,
 * so that an attempt arriving or coming up after its cancellation is dropped instead of run. Bounded
 * in size (the oldest are forgotten first) and in time (an entry expires {@code ttl} after it was
 * received). Thread-safe: the cancellation consumer writes, the task consumers read.
 */
final class RecentCancels {

    private record Entry(TaskCancel cancel, Instant expiresAt) {}

    private final int capacity;
    private final Duration ttl;
    private final Clock clock;
    /** In the order received, so the head is the oldest and expires first. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

    RecentCancels(int capacity, Duration ttl, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Remembers a cancellation; a repeated one counts from now. */
    synchronized void remember(TaskCancel cancel) {
        Instant now = clock.instant();
        String key = cancel.idempotencyKey();
        entries.remove(key);
        entries.put(key, new Entry(cancel, now.plus(ttl)));
        evict(now);
    }

    /** The cancellation of the attempt with this idempotency key, if one was received lately. */
    synchronized @Nullable TaskCancel find(String idempotencyKey) {
        evict(clock.instant());
        Entry entry = entries.get(idempotencyKey);
        return entry == null ? null : entry.cancel();
    }

    /** How many cancellations are remembered now. */
    synchronized int size() {
        evict(clock.instant());
        return entries.size();
    }

    private void evict(Instant now) {
        Iterator<Map.Entry<String, Entry>> oldestFirst = entries.entrySet().iterator();
        while (oldestFirst.hasNext()) {
            Entry oldest = oldestFirst.next().getValue();
            if (entries.size() <= capacity && oldest.expiresAt().isAfter(now)) {
                return;
            }
            oldestFirst.remove();
        }
    }
}
