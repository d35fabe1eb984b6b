package dev.tributary.worker.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Something this worker learnt lately about attempts, by their idempotency key: the cancellations
 * it received (so that an attempt arriving or coming up after its cancellation is dropped instead
 * of run) and the attempts it finished and published a result for (so that a dispatch delivered
 * again — a relay re-sending after a crash — is not run a second time). Bounded in size (the oldest
 * are forgotten first) and in time (an entry expires {@code ttl} after it was remembered).
 * Thread-safe: one thread may write while others read.
 *
 * @param <V> what is remembered per attempt
 */
final class RecentAttempts<V> {

    private record Entry<V>(V value, Instant expiresAt) {}

    private final int capacity;
    private final Duration ttl;
    private final Clock clock;
    /** In the order remembered, so the head is the oldest and expires first. */
    private final LinkedHashMap<String, Entry<V>> entries = new LinkedHashMap<>();

    RecentAttempts(int capacity, Duration ttl, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Remembers {@code value} for the attempt; remembering an attempt again counts from now. */
    synchronized void remember(String idempotencyKey, V value) {
        Instant now = clock.instant();
        entries.remove(idempotencyKey);
        entries.put(idempotencyKey, new Entry<>(value, now.plus(ttl)));
        evict(now);
    }

    /** What was remembered lately for the attempt with this idempotency key, if anything. */
    synchronized @Nullable V find(String idempotencyKey) {
        evict(clock.instant());
        Entry<V> entry = entries.get(idempotencyKey);
        return entry == null ? null : entry.value();
    }

    /** How many attempts are remembered now. */
    synchronized int size() {
        evict(clock.instant());
        return entries.size();
    }

    private void evict(Instant now) {
        Iterator<Map.Entry<String, Entry<V>>> oldestFirst = entries.entrySet().iterator();
        while (oldestFirst.hasNext()) {
            Entry<V> oldest = oldestFirst.next().getValue();
            if (entries.size() <= capacity && oldest.expiresAt().isAfter(now)) {
                return;
            }
            oldestFirst.remove();
        }
    }
}
