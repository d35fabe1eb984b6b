package dev.tributary.events.definition;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a failed attempt is retried. Absent fields take the workflow's task defaults, then the
 * scheduler's configured defaults. Backoff for attempt n is {@code min(initialBackoff *
 * backoffMultiplier^(n-1), maxBackoff)}, spread by {@code jitter} (a fraction, 0–1) seeded by the
 * failure event's id so that replay computes the same schedule.
 *
 * @param maxAttempts total attempts including the first (1 = no retries), 1–100
 * @param initialBackoff wait before the second attempt
 * @param backoffMultiplier growth factor per attempt, 1–10
 * @param maxBackoff upper bound of one wait
 * @param jitter random spread as a fraction of the wait, 0–1
 * @param nonRetryableErrorCodes error codes that fail the task at once
 */
public record RetryPolicy(
        @Nullable Integer maxAttempts,
        @Nullable Duration initialBackoff,
        @Nullable Double backoffMultiplier,
        @Nullable Duration maxBackoff,
        @Nullable Double jitter,
        @Nullable List<String> nonRetryableErrorCodes) {}
