package dev.tributary.worker;

import dev.tributary.events.Topics;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the worker, {@code tributary.worker.*}. Kafka connection settings come from {@code
 * spring.kafka.*}; the worker forces what correctness needs (byte-array (de)serializers, manual
 * commits, {@code acks=all}, idempotence).
 *
 * @param enabled whether the worker auto-configuration is active at all
 * @param autoStartup whether the consumers start with the application context
 * @param id this worker's id in {@code TaskStarted}/{@code TaskSucceeded}/{@code TaskFailed};
 *     defaults to {@code pid@hostname}
 * @param concurrency the most tasks of one type this worker has in progress at once, counted from
 *     the handler's start until Kafka acknowledged the result; at the bound the consumer of that
 *     type pauses (back-pressure)
 * @param typeConcurrency per-type overrides of {@code concurrency}, e.g. {@code http: 64}
 * @param tasksTopicPrefix prefix of the task topics; the worker consumes {@code
 *     <prefix><type>} for each type it has a handler for
 * @param eventsTopic the history topic the worker publishes task events to
 * @param cancellationsTopic the topic of {@code TaskCancel} commands; every worker reads all of it
 *     (no consumer group), see {@code docs/worker-service.md}
 * @param cancellationsRefreshInterval how often the worker looks for the partitions of the
 *     cancellations topic (and for the topic itself while it does not exist yet)
 * @param recentCancellationsSize the most cancellations remembered for attempts that have not
 *     arrived or started yet; the oldest are forgotten first
 * @param recentCancellationsTtl how long a cancellation is remembered for an attempt that has not
 *     arrived or started yet; a starting worker also reads the cancellations of this last period
 * @param recentResultsSize the most finished attempts remembered, so that their dispatch delivered
 *     again (a relay re-sending after a crash, a re-publish) is skipped; the oldest are forgotten
 *     first
 * @param recentResultsTtl how long a finished attempt is remembered for that
 * @param deadLetterTopic where undecodable task and cancellation records go
 * @param groupPrefix prefix of the consumer group of each type: {@code <prefix><type>}
 * @param maxOutputSize the largest task output (as JSON); a bigger one fails the task with
 *     {@code OUTPUT_TOO_LARGE}, not retryable
 * @param shutdownGrace how long a stopping worker lets running tasks finish; then they are
 *     interrupted, nothing is published for them and their records are redelivered
 * @param pollTimeout the longest a consumer blocks in one {@code poll}
 * @param publishRetryBackoff the wait before re-sending an event whose send failed
 * @param http bounds of the built-in {@code http} handler
 * @param builtinHandlers which built-in handlers are registered
 */
@ConfigurationProperties("tributary.worker")
public record WorkerProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("true") boolean autoStartup,
        @Nullable String id,
        @DefaultValue("16") int concurrency,
        @DefaultValue Map<String, Integer> typeConcurrency,
        @DefaultValue(Topics.TASKS_PREFIX) String tasksTopicPrefix,
        @DefaultValue(Topics.WORKFLOW_EVENTS) String eventsTopic,
        @DefaultValue(Topics.TASK_CANCELLATIONS) String cancellationsTopic,
        @DefaultValue("5s") Duration cancellationsRefreshInterval,
        @DefaultValue("10000") int recentCancellationsSize,
        @DefaultValue("10m") Duration recentCancellationsTtl,
        @DefaultValue("10000") int recentResultsSize,
        @DefaultValue("10m") Duration recentResultsTtl,
        @DefaultValue(Topics.DEAD_LETTERS) String deadLetterTopic,
        @DefaultValue("tributary-worker-") String groupPrefix,
        @DefaultValue("256KB") DataSize maxOutputSize,
        @DefaultValue("30s") Duration shutdownGrace,
        @DefaultValue("500ms") Duration pollTimeout,
        @DefaultValue("1s") Duration publishRetryBackoff,
        @DefaultValue Http http,
        @DefaultValue BuiltinHandlers builtinHandlers) {

    public WorkerProperties {
        id = id == null || id.isBlank() ? defaultWorkerId() : id;
        typeConcurrency = typeConcurrency == null ? Map.of() : Map.copyOf(typeConcurrency);
        requireAtLeastOne(concurrency, "concurrency");
        typeConcurrency.forEach((type, bound) -> requireAtLeastOne(bound, "type-concurrency." + type));
        Objects.requireNonNull(tasksTopicPrefix, "tasksTopicPrefix");
        Objects.requireNonNull(eventsTopic, "eventsTopic");
        Objects.requireNonNull(cancellationsTopic, "cancellationsTopic");
        requirePositive(cancellationsRefreshInterval, "cancellationsRefreshInterval");
        requireAtLeastOne(recentCancellationsSize, "recent-cancellations-size");
        requirePositive(recentCancellationsTtl, "recentCancellationsTtl");
        requireAtLeastOne(recentResultsSize, "recent-results-size");
        requirePositive(recentResultsTtl, "recentResultsTtl");
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        Objects.requireNonNull(groupPrefix, "groupPrefix");
        Objects.requireNonNull(maxOutputSize, "maxOutputSize");
        requireNotNegative(shutdownGrace, "shutdownGrace");
        requireNotNegative(pollTimeout, "pollTimeout");
        requireNotNegative(publishRetryBackoff, "publishRetryBackoff");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(builtinHandlers, "builtinHandlers");
    }

    /** The worker id, never null after binding. */
    @Override
    public String id() {
        return Objects.requireNonNull(id);
    }

    /** The concurrency bound of one task type. */
    public int concurrencyOf(String type) {
        return typeConcurrency.getOrDefault(type, concurrency);
    }

    /** The topic carrying the dispatches of one task type. */
    public String tasksTopic(String type) {
        return tasksTopicPrefix + type;
    }

    /** The consumer group of one task type. */
    public String group(String type) {
        return groupPrefix + type;
    }

    /**
     * Bounds of the built-in {@code http} handler.
     *
     * @param connectTimeout how long establishing a connection may take
     * @param defaultTimeout the request timeout when the task input gives none
     * @param maxTimeout the longest request timeout a task input may ask for
     * @param maxResponseSize the largest response body accepted; a bigger one fails the task with
     *     {@code RESPONSE_TOO_LARGE}, not retryable
     */
    public record Http(
            @DefaultValue("5s") Duration connectTimeout,
            @DefaultValue("30s") Duration defaultTimeout,
            @DefaultValue("5m") Duration maxTimeout,
            @DefaultValue("1MB") DataSize maxResponseSize) {}

    /**
     * Switches for the built-in handlers (a user's own handler for the same type requires turning
     * the built-in off).
     *
     * @param noop whether the {@code noop} handler is registered
     * @param echo whether the {@code echo} handler is registered
     * @param sleep whether the {@code sleep} handler is registered
     * @param fail whether the {@code fail} handler is registered
     * @param http whether the {@code http} handler is registered
     */
    public record BuiltinHandlers(
            @DefaultValue("true") boolean noop,
            @DefaultValue("true") boolean echo,
            @DefaultValue("true") boolean sleep,
            @DefaultValue("true") boolean fail,
            @DefaultValue("true") boolean http) {}

    private static void requireAtLeastOne(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException("tributary.worker." + name + " must be at least 1");
        }
    }

    private static void requireNotNegative(Duration duration, String name) {
        if (Objects.requireNonNull(duration, name).isNegative()) {
            throw new IllegalArgumentException("tributary.worker." + name + " must not be negative");
        }
    }

    private static void requirePositive(Duration duration, String name) {
        requireNotNegative(duration, name);
        if (duration.isZero()) {
            throw new IllegalArgumentException("tributary.worker." + name + " must be positive");
        }
    }

    private static String defaultWorkerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        long pid = ProcessHandle.current().pid();
        return pid + "@" + host;
    }
}
