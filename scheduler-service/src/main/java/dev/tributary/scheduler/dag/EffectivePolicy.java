package dev.tributary.scheduler.dag;

import dev.tributary.events.definition.Compensation;
import dev.tributary.events.definition.RetryPolicy;
import dev.tributary.events.definition.TaskDefaults;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.TaskTimeout;
import dev.tributary.events.definition.WorkflowDefinition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A task's (or its compensation's) retry policy and timeouts with every unset field filled in: the
 * task's own value, else the workflow's task defaults, else the scheduler's {@link RetryDefaults}.
 */
record EffectivePolicy(
        int maxAttempts,
        Duration initialBackoff,
        double backoffMultiplier,
        Duration maxBackoff,
        double jitter,
        List<String> nonRetryableErrorCodes,
        @Nullable Duration startToClose,
        @Nullable Duration scheduleToStart) {

    static EffectivePolicy of(WorkflowDefinition workflow, TaskDefinition task, RetryDefaults defaults) {
        return of(workflow, task.retry(), task, defaults);
    }

    /**
     * The policy of a task's compensation: the compensation's {@code retry}, then the workflow's
     * task defaults, then the scheduler's; timeouts as the task's own (then the task defaults).
     */
    static EffectivePolicy ofCompensation(WorkflowDefinition workflow, TaskDefinition task, RetryDefaults defaults) {
        Compensation compensation = task.compensation();
        return of(workflow, compensation == null ? null : compensation.retry(), task, defaults);
    }

    private static EffectivePolicy of(
            WorkflowDefinition workflow, @Nullable RetryPolicy own, TaskDefinition task, RetryDefaults defaults) {
        TaskDefaults taskDefaults = workflow.taskDefaults();
        @Nullable RetryPolicy inherited = taskDefaults == null ? null : taskDefaults.retry();
        @Nullable TaskTimeout ownTimeout = task.timeout();
        @Nullable TaskTimeout inheritedTimeout = taskDefaults == null ? null : taskDefaults.timeout();
        List<String> codes = firstNonNull(
                pick(own, RetryPolicy::nonRetryableErrorCodes), pick(inherited, RetryPolicy::nonRetryableErrorCodes));
        return new EffectivePolicy(
                Math.max(
                        1,
                        orDefault(
                                pick(own, RetryPolicy::maxAttempts),
                                pick(inherited, RetryPolicy::maxAttempts),
                                defaults.maxAttempts())),
                orDefault(
                        pick(own, RetryPolicy::initialBackoff),
                        pick(inherited, RetryPolicy::initialBackoff),
                        defaults.initialBackoff()),
                orDefault(
                        pick(own, RetryPolicy::backoffMultiplier),
                        pick(inherited, RetryPolicy::backoffMultiplier),
                        defaults.backoffMultiplier()),
                orDefault(
                        pick(own, RetryPolicy::maxBackoff),
                        pick(inherited, RetryPolicy::maxBackoff),
                        defaults.maxBackoff()),
                orDefault(pick(own, RetryPolicy::jitter), pick(inherited, RetryPolicy::jitter), defaults.jitter()),
                codes == null ? List.of() : codes,
                firstNonNull(
                        pick(ownTimeout, TaskTimeout::startToClose), pick(inheritedTimeout, TaskTimeout::startToClose)),
                firstNonNull(
                        pick(ownTimeout, TaskTimeout::scheduleToStart),
                        pick(inheritedTimeout, TaskTimeout::scheduleToStart)));
    }

    /** Whether a failed attempt {@code attempt} with this error deserves another attempt. */
    boolean retries(int attempt, boolean retryable, String errorCode) {
        return retryable && attempt < maxAttempts && !nonRetryableErrorCodes.contains(errorCode);
    }

    /**
     * The wait after failed attempt {@code attempt} (1-based): {@code min(initial *
     * multiplier^(attempt-1), max)}, spread by up to ±jitter. The spread is a pure function of
     * {@code seed} (the attempt's idempotency key), so replaying the failure gives the same wait.
     */
    Duration backoff(int attempt, String seed) {
        double base = initialBackoff.toMillis() * Math.pow(backoffMultiplier, Math.max(0, attempt - 1));
        double capped = Math.min(base, maxBackoff.toMillis());
        double spread = jitter <= 0 ? 0 : jitter * (2 * unitInterval(seed) - 1);
        return Duration.ofMillis(Math.max(0, Math.round(capped * (1 + spread))));
    }

    /** A number in [0, 1) derived from the seed: FNV-1a over its UTF-8 bytes, then SplitMix64. */
    static double unitInterval(String seed) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : seed.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        long z = hash + 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }

    private static <S, T> @Nullable T pick(@Nullable S source, Function<S, @Nullable T> field) {
        return source == null ? null : field.apply(source);
    }

    private static <T> @Nullable T firstNonNull(@Nullable T first, @Nullable T second) {
        return first != null ? first : second;
    }

    private static <T> T orDefault(@Nullable T first, @Nullable T second, T fallback) {
        if (first != null) {
            return first;
        }
        return second != null ? second : fallback;
    }
}
