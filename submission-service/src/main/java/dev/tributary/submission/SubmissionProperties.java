package dev.tributary.submission;

import dev.tributary.events.Topics;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the submission service ({@code tributary.submission.*}).
 *
 * @param maxTasks the most tasks one workflow may have; more is rejected with 422
 * @param maxBodySize the largest accepted request body; a larger one is rejected with 413
 * @param eventsTopic the history topic: where the {@code WorkflowAccepted} outbox rows are relayed
 *     to, and what the status projection consumes
 * @param deadLetterTopic where records that cannot be decoded go, with the reason in headers
 * @param maxTimeout the longest accepted workflow or task timeout (workflow deadline,
 *     start-to-close, schedule-to-start)
 * @param maxBackoff the longest accepted retry backoff ({@code initialBackoff}, {@code maxBackoff})
 * @param projection the status projection of the history log ({@code tributary.submission.projection.*})
 * @param kafkaIntake the intake of submissions from a Kafka topic ({@code
 *     tributary.submission.kafka-intake.*})
 */
@ConfigurationProperties("tributary.submission")
public record SubmissionProperties(
        @DefaultValue("1000") int maxTasks,
        @DefaultValue("1MB") DataSize maxBodySize,
        @DefaultValue(Topics.WORKFLOW_EVENTS) String eventsTopic,
        @DefaultValue(Topics.DEAD_LETTERS) String deadLetterTopic,
        @DefaultValue("P365D") Duration maxTimeout,
        @DefaultValue("PT24H") Duration maxBackoff,
        @DefaultValue Projection projection,
        @DefaultValue KafkaIntake kafkaIntake) {

    public SubmissionProperties {
        if (maxTasks < 1) {
            throw new IllegalArgumentException("tributary.submission.max-tasks must be at least 1");
        }
        if (maxBodySize.toBytes() < 1 || maxBodySize.toBytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tributary.submission.max-body-size must be between 1B and 2GB");
        }
        if (eventsTopic.isBlank() || deadLetterTopic.isBlank()) {
            throw new IllegalArgumentException(
                    "tributary.submission.events-topic and dead-letter-topic must not be blank");
        }
        if (!maxTimeout.isPositive() || !maxBackoff.isPositive()) {
            throw new IllegalArgumentException("tributary.submission.max-timeout and max-backoff must be positive");
        }
    }

    /**
     * The status projection: consumes {@code events-topic} into the workflow and task status rows
     * and the per-workflow history that the read API serves.
     *
     * @param enabled whether this instance runs the projection (without it, statuses stay as stored)
     * @param autoStartup whether the projection's consumer starts with the application (else it is
     *     started through its lifecycle bean)
     * @param consumerGroup Kafka consumer group of the projection (offsets live in PostgreSQL, {@code
     *     submission.consumer_offset}, keyed by this group)
     * @param concurrency consumer threads, each with its own share of the partitions
     * @param maxPollRecords most records applied in one transaction
     * @param pollTimeout longest one poll blocks when the log is quiet
     * @param errorBackoff wait before retrying a batch whose transaction failed
     * @param defaultMaxAttempts attempts a task gets when neither it nor its workflow's task defaults
     *     set {@code retry.maxAttempts}; keep it equal to {@code
     *     tributary.scheduler.default-retry.max-attempts}. Only decides whether a failed attempt shows
     *     {@code RETRY_WAIT} or {@code FAILED} until the scheduler's next event settles it
     */
    public record Projection(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("true") boolean autoStartup,
            @DefaultValue("tributary-submission-projection") String consumerGroup,
            @DefaultValue("1") int concurrency,
            @DefaultValue("500") int maxPollRecords,
            @DefaultValue("1s") Duration pollTimeout,
            @DefaultValue("1s") Duration errorBackoff,
            @DefaultValue("1") int defaultMaxAttempts) {

        public Projection {
            if (consumerGroup.isBlank()) {
                throw new IllegalArgumentException("tributary.submission.projection.consumer-group must not be blank");
            }
            if (concurrency < 1 || maxPollRecords < 1 || defaultMaxAttempts < 1) {
                throw new IllegalArgumentException("tributary.submission.projection.concurrency, max-poll-records"
                        + " and default-max-attempts must be at least 1");
            }
            if (!pollTimeout.isPositive() || errorBackoff.isNegative()) {
                throw new IllegalArgumentException(
                        "tributary.submission.projection.poll-timeout must be positive, error-backoff not negative");
            }
        }
    }

    /**
     * The Kafka intake: consumes submissions from {@code topic} (the same JSON as the HTTP body),
     * validates and stores them exactly like HTTP submissions, and dead-letters bad records to
     * {@code dead-letter-topic}.
     *
     * @param enabled whether this instance consumes the submissions topic
     * @param autoStartup whether the intake's consumer starts with the application (else it is
     *     started through its lifecycle bean)
     * @param topic the topic submissions are read from
     * @param consumerGroup Kafka consumer group of the intake (offsets live in PostgreSQL, {@code
     *     submission.consumer_offset}, keyed by this group, committed with the workflows they created)
     * @param concurrency consumer threads, each with its own share of the partitions
     * @param maxPollRecords most records handled in one batch
     * @param pollTimeout longest one poll blocks when the topic is quiet
     * @param errorBackoff wait before re-reading a batch whose transaction failed (e.g. database down)
     * @param isolation how one bad record is kept from undoing the good ones of its batch: {@code
     *     savepoint} (one transaction per batch, written again with a savepoint per record when the
     *     database refuses a record) or {@code transaction} (one transaction per record)
     */
    public record KafkaIntake(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("true") boolean autoStartup,
            @DefaultValue(Topics.WORKFLOW_SUBMISSIONS) String topic,
            @DefaultValue("tributary-submission-intake") String consumerGroup,
            @DefaultValue("1") int concurrency,
            @DefaultValue("500") int maxPollRecords,
            @DefaultValue("1s") Duration pollTimeout,
            @DefaultValue("1s") Duration errorBackoff,
            @DefaultValue("savepoint") Isolation isolation) {

        public KafkaIntake {
            if (topic.isBlank() || consumerGroup.isBlank()) {
                throw new IllegalArgumentException(
                        "tributary.submission.kafka-intake.topic and consumer-group must not be blank");
            }
            if (concurrency < 1 || maxPollRecords < 1) {
                throw new IllegalArgumentException(
                        "tributary.submission.kafka-intake.concurrency and max-poll-records must be at least 1");
            }
            if (!pollTimeout.isPositive() || errorBackoff.isNegative()) {
                throw new IllegalArgumentException(
                        "tributary.submission.kafka-intake.poll-timeout must be positive, error-backoff not negative");
            }
        }

        /** How the records of one poll batch are committed. */
        public enum Isolation {
            /** One transaction per batch; each record's writes behind a savepoint. */
            SAVEPOINT,
            /** One transaction per record. */
            TRANSACTION
        }
    }
}
