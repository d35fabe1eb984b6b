package dev.tributary.submission.kafkaintake;

import dev.tributary.consumer.BatchHandler;
import dev.tributary.consumer.ConsumerGroup;
import dev.tributary.consumer.OffsetStore;
import dev.tributary.submission.SubmissionProperties.KafkaIntake;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The Kafka intake's consumer of the submissions topic: {@code concurrency} threads in one consumer
 * group (see {@link ConsumerGroup}). Auto-commit is off and nothing is committed to Kafka: the
 * consumed offsets live in PostgreSQL and commit in the same transaction as the workflows their
 * records created, so a record is accepted exactly once even if it carries no id (then the service
 * assigns one). Stopping finishes the batch in progress; starting again resumes from the stored
 * offsets.
 */
public class KafkaIntakeConsumer extends ConsumerGroup {

    KafkaIntakeConsumer(
            KafkaIntake settings,
            Map<String, Object> consumerConfig,
            Supplier<? extends BatchHandler> processors,
            OffsetStore offsets) {
        super(
                new Settings(
                        "submission",
                        "kafka-intake",
                        "kafka intake",
                        settings.topic(),
                        settings.consumerGroup(),
                        settings.concurrency(),
                        settings.maxPollRecords(),
                        settings.pollTimeout(),
                        settings.errorBackoff(),
                        settings.autoStartup()),
                consumerConfig,
                processors,
                offsets);
    }
}
