/**
 * Exactly-once application of the history log: {@link
 * dev.tributary.scheduler.history.HistoryConsumer} polls {@code tributary.workflow-events}, and
 * each poll batch is applied in one PostgreSQL transaction that loads every touched run once,
 * folds its events through the state machine, saves the runs, appends the decisions to the outbox
 * and stores the next offsets. On partition assignment the consumer seeks to those stored offsets;
 * Kafka's committed offsets are never used.
 */
@NullMarked
package dev.tributary.scheduler.history;

import org.jspecify.annotations.NullMarked;
