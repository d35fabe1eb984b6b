package dev.tributary.events.definition;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Per-attempt timeouts.
 *
 * @param startToClose the longest one attempt may run once a worker started it
 * @param scheduleToStart the longest a dispatched attempt may wait for a worker
 */
public record TaskTimeout(
        @Nullable Duration startToClose, @Nullable Duration scheduleToStart) {}
