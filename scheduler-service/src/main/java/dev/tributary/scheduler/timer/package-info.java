/**
 * Timers: the state machine arms retry and timeout timers as decisions ({@link
 * dev.tributary.scheduler.timer.TimerStore}, same transaction as the state), and the {@link
 * dev.tributary.scheduler.timer.TimerPoller} appends each due timer's event to the outbox. The
 * state changes only when that event comes back through the log (ARCHITECTURE §5), so wall-clock
 * time never reaches the state machine directly.
 */
@NullMarked
package dev.tributary.scheduler.timer;

import org.jspecify.annotations.NullMarked;
