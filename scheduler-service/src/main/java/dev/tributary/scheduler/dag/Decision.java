package dev.tributary.scheduler.dag;

import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TasksDispatched;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import java.time.Instant;
import java.util.List;

/**
 * Something the state machine decided that the adapters must make durable in the same transaction
 * as the new state: outbox rows for the history log, the task topics and the cancellations topic, or
 * timer rows.
 */
public sealed interface Decision {

    /**
     * One release: the history event listing every released attempt, and one command per attempt
     * for {@code tributary.tasks.<type>}.
     */
    record Dispatch(TasksDispatched event, List<TaskDispatch> commands) implements Decision {
        public Dispatch {
            commands = List.copyOf(commands);
        }
    }

    /**
     * Tell the workers to stop one attempt in flight (the workflow was cancelled or its deadline
     * passed): a {@code TaskCancel} on {@code tributary.task-cancellations}.
     */
    record CancelAttempt(TaskCancel command) implements Decision {}

    /** A history event to append to the log (e.g. {@code WorkflowSucceeded}). */
    record Emit(WorkflowEvent event) implements Decision {}

    /**
     * Arm a timer: when {@code dueAt} passes, the timer poller appends {@code event} to the log
     * (through the outbox); the state changes only when that event comes back. Arming a key that
     * is armed replaces it.
     */
    record ScheduleTimer(TimerKey key, Instant dueAt, WorkflowEvent event) implements Decision {}

    /** Disarm a timer; disarming a timer that is not armed (or already fired) does nothing. */
    record CancelTimer(TimerKey key) implements Decision {}

    /**
     * Names a timer of one workflow, unique per purpose, kind, task and attempt, e.g. {@code
     * retry/fetch/2}, {@code compensation/retry/fetch/2}, or per run for the workflow deadline
     * ({@code deadline/0}, then {@code deadline/1} after the first rerun).
     */
    record TimerKey(WorkflowId workflowId, String name) {}
}
