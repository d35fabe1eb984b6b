package dev.tributary.scheduler.dag;

import java.time.Duration;
import java.util.Objects;

/**
 * The scheduler's retry policy for tasks whose definition (and workflow task defaults) leave a
 * field unset. Part of the state machine's configuration: changing it changes how a replay of old
 * failures is decided, so change it with care.
 *
 * @param maxAttempts total attempts including the first; 1 means no retries
 * @param initialBackoff wait before the second attempt
 * @param backoffMultiplier growth factor per attempt
 * @param maxBackoff upper bound of one wait
 * @param jitter spread as a fraction of the wait, 0–1
 */
public record RetryDefaults(
        int maxAttempts, Duration initialBackoff, double backoffMultiplier, Duration maxBackoff, double jitter) {

    /**
     * One attempt, no retries unless a workflow asks for them (like Airflow's {@code retries=0});
     * when a workflow sets only {@code maxAttempts}, the waits follow Temporal's defaults: 1 s
     * doubling up to 100 s, no jitter.
     */
    public static final RetryDefaults STANDARD =
            new RetryDefaults(1, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(100), 0);

    public RetryDefaults {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        if (initialBackoff.isNegative() || maxBackoff.isNegative()) {
            throw new IllegalArgumentException("backoffs must not be negative");
        }
        if (backoffMultiplier < 1) {
            throw new IllegalArgumentException("backoffMultiplier must be at least 1");
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter must be within 0–1");
        }
    }
}
