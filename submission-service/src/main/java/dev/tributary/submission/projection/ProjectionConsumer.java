package dev.tributary.submission.projection;

import dev.tributary.consumer.ConsumerGroup;
import dev.tributary.consumer.OffsetStore;
import dev.tributary.submission.SubmissionProperties;
import dev.tributary.submission.SubmissionProperties.Projection;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;

/**
 * The status projection's consumer of the history log: {@code concurrency} threads in one consumer
 * group ({@link ConsumerGroup}). Auto-commit is off and nothing is ever committed to Kafka;
 * positions live in PostgreSQL. Stopping finishes the batch in progress and closes the consumers;
 * starting again resumes from the stored offsets.
 */
public class ProjectionConsumer implements SmartLifecycle {

    private final Projection properties;
    private final ConsumerGroup group;

    ProjectionConsumer(
            KafkaProperties kafka,
            SubmissionProperties properties,
            ProjectionBatchProcessor processor,
            OffsetStore offsets) {
        this.properties = properties.projection();
        this.group = new ConsumerGroup(
                new ConsumerGroup.Settings(
                        "submission",
                        "projection",
                        "status projection",
                        properties.eventsTopic(),
                        this.properties.consumerGroup(),
                        this.properties.concurrency(),
                        this.properties.maxPollRecords(),
                        this.properties.pollTimeout(),
                        this.properties.errorBackoff()),
                kafka.buildConsumerProperties(),
                () -> processor,
                offsets);
    }

    @Override
    public void start() {
        group.start();
    }

    /**
     * Stops every thread after its current batch; a thread still busy after a grace period is
     * interrupted (see {@link ConsumerGroup#stop()}).
     */
    @Override
    public void stop() {
        group.stop();
    }

    @Override
    public boolean isRunning() {
        return group.isRunning();
    }

    @Override
    public boolean isAutoStartup() {
        return properties.autoStartup();
    }
}
