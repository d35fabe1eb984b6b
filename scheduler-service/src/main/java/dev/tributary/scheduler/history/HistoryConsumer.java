package dev.tributary.scheduler.history;

import dev.tributary.consumer.BatchHandler;
import dev.tributary.consumer.ConsumerGroup;
import dev.tributary.consumer.OffsetStore;
import dev.tributary.scheduler.SchedulerProperties;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.stereotype.Component;

/**
 * The history log consumer: {@code concurrency} threads in one consumer group (see {@link
 * ConsumerGroup}), each with its own {@link RunCache}. Auto-commit is off and nothing is ever
 * committed to Kafka; positions live in PostgreSQL. Stopping finishes the batch in progress and
 * closes the consumers (their partitions go to the other instances); starting again resumes from
 * the stored offsets.
 */
@Component
public class HistoryConsumer extends ConsumerGroup {

    HistoryConsumer(
            KafkaProperties kafka,
            SchedulerProperties properties,
            HistoryBatchProcessor processor,
            OffsetStore offsets) {
        super(
                new Settings(
                        "scheduler",
                        "history",
                        "history consumer",
                        properties.eventsTopic(),
                        properties.consumerGroup(),
                        properties.concurrency(),
                        properties.maxPollRecords(),
                        properties.pollTimeout(),
                        properties.errorBackoff(),
                        properties.autoStartup()),
                kafka.buildConsumerProperties(),
                () -> new CachingHandler(processor, new RunCache(properties.runCacheSize())),
                offsets);
    }

    /** One thread's handler: the processor with that thread's runs. */
    private record CachingHandler(HistoryBatchProcessor processor, RunCache cache) implements BatchHandler {

        @Override
        public Map<TopicPartition, Long> apply(
                List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored) {
            return processor.apply(records, stored, cache);
        }

        @Override
        public Map<TopicPartition, Long> replay(
                List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored) {
            return processor.replay(records, stored, cache);
        }

        @Override
        public void caughtUp(TopicPartition partition, long stored, Runnable finishReplay) {
            processor.caughtUp(partition, finishReplay, cache);
        }

        @Override
        public void positionsMoved() {
            cache.clear(); // whatever was cached may be ahead of or behind the new positions
        }
    }
}
