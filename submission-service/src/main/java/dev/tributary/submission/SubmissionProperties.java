package dev.tributary.submission;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the submission service ({@code tributary.submission.*}).
 *
 * @param maxTasks the most tasks one workflow may have; more is rejected with 422
 * @param maxBodySize the largest accepted request body; a larger one is rejected with 413
 * @param eventsTopic the history topic the {@code WorkflowAccepted} outbox rows are relayed to
 * @param maxTimeout the longest accepted workflow or task timeout (workflow deadline,
 *     start-to-close, schedule-to-start)
 * @param maxBackoff the longest accepted retry backoff ({@code initialBackoff}, {@code maxBackoff})
 */
@ConfigurationProperties("tributary.submission")
public record SubmissionProperties(
        @DefaultValue("1000") int maxTasks,
        @DefaultValue("1MB") DataSize maxBodySize,
        @DefaultValue("tributary.workflow-events") String eventsTopic,
        @DefaultValue("P365D") Duration maxTimeout,
        @DefaultValue("PT24H") Duration maxBackoff) {

    public SubmissionProperties {
        if (maxTasks < 1) {
            throw new IllegalArgumentException("tributary.submission.max-tasks must be at least 1");
        }
        if (maxBodySize.toBytes() < 1 || maxBodySize.toBytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tributary.submission.max-body-size must be between 1B and 2GB");
        }
        if (eventsTopic.isBlank()) {
            throw new IllegalArgumentException("tributary.submission.events-topic must not be blank");
        }
        if (!maxTimeout.isPositive() || !maxBackoff.isPositive()) {
            throw new IllegalArgumentException("tributary.submission.max-timeout and max-backoff must be positive");
        }
    }
}
