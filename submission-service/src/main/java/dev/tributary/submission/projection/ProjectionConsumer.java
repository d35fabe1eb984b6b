package dev.tributary.submission.projection;

import dev.tributary.consumer.ConsumerGroup;
import dev.tributary.consumer.OffsetStore;
import dev.tributary.submission.SubmissionProperties;
import dev.tributary.submission.SubmissionProperties.Projection;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

/**
 * The status projection's consumer of the history log: {@code concurrency} threads in one consumer
 * group (see {@link ConsumerGroup}). Auto-commit is off and nothing is ever committed to Kafka;
 * positions live in PostgreSQL. Stopping finishes the batch in progress and closes the consumers;
 * starting again resumes from the stored offsets.
 */
public class ProjectionConsumer extends ConsumerGroup {

    ProjectionConsumer(
            KafkaProperties kafka,
            SubmissionProperties properties,
            ProjectionBatchProcessor processor,
            OffsetStore offsets) {
        super(
                settings(properties.eventsTopic(), properties.projection()),
                kafka.buildConsumerProperties(),
                () -> processor,
                offsets);
    }

    private static Settings settings(String topic, Projection projection) {
        return new Settings(
                "submission",
                "projection",
                "status projection",
                topic,
                projection.consumerGroup(),
                projection.concurrency(),
                projection.maxPollRecords(),
                projection.pollTimeout(),
                projection.errorBackoff(),
                projection.autoStartup());
    }
}
