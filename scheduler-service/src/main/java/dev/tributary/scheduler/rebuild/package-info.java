/**
 * The admin HTTP operation that rebuilds the scheduler state from the history log ({@code
 * /admin/rebuild/scheduler}); the work is {@link dev.tributary.scheduler.history.SchedulerRebuild}'s.
 */
@NullMarked
package dev.tributary.scheduler.rebuild;

import org.jspecify.annotations.NullMarked;
