/**
 * The DAG state machine, plain Java: {@link dev.tributary.scheduler.dag.WorkflowStateMachine}
 * folds one history event into a {@link dev.tributary.scheduler.dag.WorkflowRun} and returns the
 * new run plus the {@link dev.tributary.scheduler.dag.Decision}s the adapters must persist in the
 * same transaction (outbox rows, timers). No Spring, Kafka, database or wall clock: time enters
 * only through the events, so replaying the log rebuilds the same state (ADR 0003).
 */
@NullMarked
package dev.tributary.scheduler.dag;

import org.jspecify.annotations.NullMarked;
