/**
 * Kafka intake: consumes workflow submissions from a topic (the same JSON as the HTTP body, key =
 * workflow id or none), validates them with the HTTP intake's validator and stores them with its
 * transactional write, one poll batch per transaction with a savepoint per record, the consumed
 * offsets committed in the same transaction. Bad records go to the dead-letter topic with a reason
 * code and their field errors in headers. Entry point: {@link
 * dev.tributary.submission.kafkaintake.KafkaIntakeConsumer}.
 */
@NullMarked
package dev.tributary.submission.kafkaintake;

import org.jspecify.annotations.NullMarked;
