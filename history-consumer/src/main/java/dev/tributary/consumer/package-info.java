/**
 * Exactly-once consumption of the history log into PostgreSQL, shared by the scheduler's history
 * consumer and the submission service's status projection.
 *
 * <p>{@link dev.tributary.consumer.ConsumerGroup} runs plain {@code KafkaConsumer} threads ({@link
 * dev.tributary.consumer.ConsumerLoop}); nothing is committed to Kafka. Each poll batch is applied
 * by a service's {@link dev.tributary.consumer.BatchHandler} in one transaction that also advances
 * the fenced offsets of {@link dev.tributary.consumer.OffsetStore}; on assignment and after a
 * failed batch the consumer seeks to the stored offsets. Records that cannot be applied go to
 * {@link dev.tributary.consumer.DeadLetters}.
 */
@NullMarked
package dev.tributary.consumer;

import org.jspecify.annotations.NullMarked;
