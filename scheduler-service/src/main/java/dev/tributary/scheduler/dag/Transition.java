package dev.tributary.scheduler.dag;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of applying one event.
 *
 * @param run the run after the event; {@code null} when there still is no run (an event for an
 *     unknown workflow)
 * @param decisions what to persist with it, in order; empty when the event changed nothing
 */
public record Transition(@Nullable WorkflowRun run, List<Decision> decisions) {

    public Transition {
        decisions = List.copyOf(decisions);
    }

    /** No decisions; the run unchanged. */
    public static Transition unchanged(@Nullable WorkflowRun run) {
        return new Transition(run, List.of());
    }
}
