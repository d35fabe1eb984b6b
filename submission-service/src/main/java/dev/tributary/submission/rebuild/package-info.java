/**
 * Admin operations that replay a topic into this service's state: {@code /admin/rebuild/projection}
 * (the status projection, from the history log) and {@code /admin/replay/kafka-intake} (the Kafka
 * intake, from the submissions topic). The work is {@link
 * dev.tributary.submission.projection.ProjectionRebuild}'s and {@link
 * dev.tributary.submission.kafkaintake.KafkaIntakeReplay}'s.
 */
@NullMarked
package dev.tributary.submission.rebuild;

import org.jspecify.annotations.NullMarked;
