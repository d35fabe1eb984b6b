package dev.tributary.scheduler;

import dev.tributary.events.Topics;
import dev.tributary.scheduler.dag.RetryDefaults;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration of the scheduler service ({@code tributary.scheduler.*}).
 *
 * @param eventsTopic the history log: consumed, and where the scheduler's own events go
 * @param tasksTopicPrefix prefix of the per-type topics that carry {@code TaskDispatch} commands
 * @param cancellationsTopic where {@code TaskCancel} commands go, read by every worker instance
 * @param deadLetterTopic where records that cannot be decoded or applied go, reason in headers
 * @param consumerGroup Kafka consumer group of the history consumer (offsets live in PostgreSQL)
 * @param concurrency history consumer threads, each with its own share of the partitions
 * @param maxPollRecords most records applied in one transaction
 * @param pollTimeout longest one poll blocks when the log is quiet
 * @param errorBackoff wait before retrying a batch whose transaction failed
 * @param runCacheSize runs each consumer thread keeps in memory between batches (0 = always load)
 * @param autoStartup whether the history consumer starts with the application
 * @param timers the timer poller
 * @param defaultRetry retry policy fields a workflow leaves unset
 * @param rebuild the rebuild of the scheduler state from the history log
 */
@ConfigurationProperties("tributary.scheduler")
public record SchedulerProperties(
        @DefaultValue(Topics.WORKFLOW_EVENTS) String eventsTopic,
        @DefaultValue(Topics.TASKS_PREFIX) String tasksTopicPrefix,
        @DefaultValue(Topics.TASK_CANCELLATIONS) String cancellationsTopic,
        @DefaultValue(Topics.DEAD_LETTERS) String deadLetterTopic,
        @DefaultValue("tributary-scheduler") String consumerGroup,
        @DefaultValue("1") int concurrency,
        @DefaultValue("500") int maxPollRecords,
        @DefaultValue("1s") Duration pollTimeout,
        @DefaultValue("1s") Duration errorBackoff,
        @DefaultValue("10000") int runCacheSize,
        @DefaultValue("true") boolean autoStartup,
        @DefaultValue Timers timers,
        @DefaultValue DefaultRetry defaultRetry,
        @DefaultValue Rebuild rebuild) {

    public SchedulerProperties {
        if (concurrency < 1) {
            throw new IllegalArgumentException("tributary.scheduler.concurrency must be at least 1");
        }
        if (runCacheSize < 0) {
            throw new IllegalArgumentException("tributary.scheduler.run-cache-size must not be negative");
        }
        if (maxPollRecords < 1) {
            throw new IllegalArgumentException("tributary.scheduler.max-poll-records must be at least 1");
        }
    }

    /**
     * The timer poller, which appends due retry, timeout and workflow deadline events to the log.
     *
     * @param enabled whether this instance fires timers (any number of instances may)
     * @param pollInterval how often due timers are looked for; bounds how late a timer fires
     * @param batchSize most timers fired in one transaction
     */
    public record Timers(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("250ms") Duration pollInterval,
            @DefaultValue("500") int batchSize) {}

    /**
     * The rebuild ({@code POST /admin/rebuild/scheduler}).
     *
     * @param relayWait how long a rebuild waits, after stopping the consumer, for the decisions
     *     already in the outbox to reach the log before it records the barrier; it goes on with a
     *     warning after that (decisions relayed later are re-issued once more, same attempt)
     * @param relayCheckInterval how often that wait checks the relay's progress
     */
    public record Rebuild(
            @DefaultValue("60s") Duration relayWait,
            @DefaultValue("100ms") Duration relayCheckInterval) {}

    /**
     * Retry policy fields a workflow leaves unset (ADR 0003). Changing them changes how replayed
     * failures are decided.
     *
     * @param maxAttempts total attempts including the first; 1 = no retries
     * @param initialBackoff wait before the second attempt
     * @param backoffMultiplier growth factor per attempt
     * @param maxBackoff upper bound of one wait
     * @param jitter random spread as a fraction of the wait, 0–1 (deterministic per attempt)
     */
    public record DefaultRetry(
            @DefaultValue("1") int maxAttempts,
            @DefaultValue("1s") Duration initialBackoff,
            @DefaultValue("2.0") double backoffMultiplier,
            @DefaultValue("100s") Duration maxBackoff,
            @DefaultValue("0") double jitter) {

        public RetryDefaults toRetryDefaults() {
            return new RetryDefaults(maxAttempts, initialBackoff, backoffMultiplier, maxBackoff, jitter);
        }
    }
}
