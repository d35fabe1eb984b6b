package dev.tributary.submission.kafkaintake;

import dev.tributary.consumer.OffsetStore;
import dev.tributary.consumer.ReplayStatus;
import dev.tributary.consumer.Replays;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Replays the submissions topic to the Kafka intake from a timestamp (its offsets live in
 * PostgreSQL, so Kafka's {@code kafka-consumer-groups --reset-offsets} cannot do it): the intake's
 * group re-reads every record from the first one at or after the timestamp. Nothing is wiped:
 * submissions with an id are absorbed by the intake's idempotency, submissions without one whose
 * record already created a workflow are skipped ({@link SubmissionBatchProcessor}).
 */
public class KafkaIntakeReplay {

    private final KafkaIntakeConsumer consumer;
    private final Replays replays;

    KafkaIntakeReplay(
            KafkaIntakeConsumer consumer,
            OffsetStore offsets,
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            Map<String, Object> consumerConfig,
            MeterRegistry meters) {
        this.consumer = consumer;
        this.replays = new Replays(jdbc, transactionManager, offsets, consumerConfig);
        replays.registerRemainingGauge(meters, consumer, "Records of the submissions topic still to replay");
    }

    /**
     * Starts a replay.
     *
     * @throws dev.tributary.consumer.ReplayRunningException when one runs (on any instance)
     */
    public ReplayStatus start(Instant from) {
        return replays.start(consumer, from, () -> {});
    }

    /** The last or running replay. */
    public ReplayStatus status() {
        return replays.status(consumer.groupId(), consumer.topic());
    }
}
