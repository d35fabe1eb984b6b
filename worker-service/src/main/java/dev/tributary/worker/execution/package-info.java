/**
 * Runs handlers against Kafka: one consumer per task type (consumer group per type), a bounded
 * number of tasks in flight with back-pressure by pausing the consumer, results published with an
 * idempotent producer, and offsets committed only up to the highest contiguous record whose
 * result Kafka acknowledged; plus one group-less consumer of the cancellations topic that stops
 * the cancelled attempts running or waiting here. Entry point: {@link dev.tributary.worker.execution.TaskWorker}.
 */
@NullMarked
package dev.tributary.worker.execution;

import org.jspecify.annotations.NullMarked;
