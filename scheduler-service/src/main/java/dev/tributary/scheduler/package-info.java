/**
 * scheduler-service: consumes the history log, runs the DAG state machine ({@code dag}) and writes
 * its decisions through its own outbox. Features: {@code history} (exactly-once application of
 * the log), {@code timer} (retry and timeout timers that fire into the log).
 */
@NullMarked
package dev.tributary.scheduler;

import org.jspecify.annotations.NullMarked;
