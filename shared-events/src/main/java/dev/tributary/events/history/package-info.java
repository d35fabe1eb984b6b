/**
 * The history stream: every value on {@code tributary.workflow-events}, as records of the sealed
 * interface {@link dev.tributary.events.history.WorkflowEvent}. Consumers switch over it
 * exhaustively.
 */
@NullMarked
package dev.tributary.events.history;

import org.jspecify.annotations.NullMarked;
