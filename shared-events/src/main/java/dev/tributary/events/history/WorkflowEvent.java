package dev.tributary.events.history;

import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A fact or decision about one workflow, as it appears on the history log (ARCHITECTURE §3). The
 * record carries the payload; the event id, type and time travel in CloudEvents headers. Every
 * event names its workflow, which is also the Kafka key, so one partition holds one workflow's
 * history in order.
 */
public sealed interface WorkflowEvent {

    /** The workflow this event is about (also the Kafka key and {@code ce_subject}). */
    WorkflowId workflowId();

    /** Whether a task attempt runs the task itself or its compensation. */
    enum TaskKind {
        TASK,
        COMPENSATION
    }

    /**
     * A workflow passed validation and was stored; carries the full definition.
     *
     * @param acceptedAt when the submission committed; the workflow deadline counts from here
     */
    record WorkflowAccepted(
            WorkflowId workflowId,
            WorkflowDefinition definition,
            Instant acceptedAt,
            @Nullable Origin origin) implements WorkflowEvent {

        /** A workflow accepted without a recorded origin (events written before origins existed). */
        public WorkflowAccepted(WorkflowId workflowId, WorkflowDefinition definition, Instant acceptedAt) {
            this(workflowId, definition, acceptedAt, null);
        }
    }

    /** How a submission reached Tributary. */
    enum Channel {
        /** {@code POST /api/v1/workflows}. */
        HTTP,
        /** A record on the submissions topic. */
        KAFKA
    }

    /**
     * Where a workflow came from.
     *
     * @param channel HTTP or Kafka
     * @param topic the submissions topic, for Kafka
     * @param partition the record's partition, for Kafka
     * @param offset the record's offset, for Kafka
     */
    record Origin(
            Channel channel,
            @Nullable String topic,
            @Nullable Integer partition,
            @Nullable Long offset) {

        /** A submission over HTTP. */
        public static Origin http() {
            return new Origin(Channel.HTTP, null, null, null);
        }

        /** A submission from a Kafka record. */
        public static Origin kafka(String topic, int partition, long offset) {
            return new Origin(Channel.KAFKA, topic, partition, offset);
        }
    }

    /** Someone asked to cancel the workflow; the scheduler decides what that means. */
    record WorkflowCancelRequested(
            WorkflowId workflowId, @Nullable String reason, Instant requestedAt) implements WorkflowEvent {}

    /**
     * Someone asked to run a {@code FAILED} or {@code CANCELLED} workflow again: its failed,
     * skipped and cancelled tasks (and tasks whose compensation undid them) run again with new
     * attempts, succeeded tasks keep their outputs. A workflow in any other state ignores it.
     */
    record WorkflowRetryRequested(
            WorkflowId workflowId, @Nullable String reason, Instant requestedAt) implements WorkflowEvent {}

    /**
     * The workflow deadline ({@code definition.timeout} after acceptance) passed while it ran.
     * Written by the scheduler's timer poller; the workflow then fails (compensating first).
     */
    record WorkflowTimedOut(WorkflowId workflowId, Instant deadline, Instant firedAt) implements WorkflowEvent {}

    /**
     * One release by the scheduler: the task attempts it dispatched together.
     *
     * @param tasks the released attempts, each also sent as a {@code TaskDispatch}
     */
    record TasksDispatched(WorkflowId workflowId, List<DispatchedTask> tasks, Instant dispatchedAt)
            implements WorkflowEvent {}

    /**
     * One released attempt.
     *
     * @param deadline when the attempt times out (start-to-close measured from dispatch plus any
     *     schedule-to-start), if a timeout is set
     */
    record DispatchedTask(
            TaskId taskId,
            String type,
            int attempt,
            TaskKind kind,
            @Nullable Instant deadline) {}

    /** A worker started an attempt. */
    record TaskStarted(
            WorkflowId workflowId, TaskId taskId, int attempt, TaskKind kind, String workerId, Instant startedAt)
            implements WorkflowEvent {}

    /** An attempt succeeded with an output (size-limited JSON). */
    record TaskSucceeded(
            WorkflowId workflowId,
            TaskId taskId,
            int attempt,
            TaskKind kind,
            @Nullable JsonNode output,
            String workerId,
            Instant finishedAt)
            implements WorkflowEvent {}

    /**
     * An attempt failed.
     *
     * @param errorCode a stable, machine-readable code (e.g. {@code HTTP_503}, {@code TIMEOUT})
     * @param retryable whether the handler considers a new attempt useful
     */
    record TaskFailed(
            WorkflowId workflowId,
            TaskId taskId,
            int attempt,
            TaskKind kind,
            String errorCode,
            String message,
            boolean retryable,
            String workerId,
            Instant finishedAt)
            implements WorkflowEvent {}

    /** Which timeout fired. */
    enum TimeoutKind {
        START_TO_CLOSE,
        SCHEDULE_TO_START
    }

    /** A timer fired: an attempt ran or waited too long. Written by the scheduler's timer poller. */
    record TaskTimedOut(
            WorkflowId workflowId, TaskId taskId, int attempt, TaskKind kind, TimeoutKind timeout, Instant firedAt)
            implements WorkflowEvent {}

    /** A retry timer fired: the attempt {@code attempt} may now be dispatched. */
    record TaskRetryDue(WorkflowId workflowId, TaskId taskId, int attempt, TaskKind kind, Instant firedAt)
            implements WorkflowEvent {}

    /** Every task succeeded. */
    record WorkflowSucceeded(WorkflowId workflowId, Instant finishedAt) implements WorkflowEvent {}

    /** A task failed for good (or the deadline passed) and compensations, if any, are starting. */
    record WorkflowCompensating(
            WorkflowId workflowId,
            @Nullable TaskId failedTask,
            String reason,
            List<TaskId> compensationOrder,
            Instant at)
            implements WorkflowEvent {}

    /**
     * The workflow ended in failure.
     *
     * @param failedTask the task whose failure ended the workflow, if one did
     * @param compensation outcome of the compensations: {@code NONE}, {@code COMPENSATED} or
     *     {@code COMPENSATION_FAILED}
     */
    record WorkflowFailed(
            WorkflowId workflowId,
            @Nullable TaskId failedTask,
            String reason,
            CompensationOutcome compensation,
            Instant finishedAt)
            implements WorkflowEvent {}

    /** What the compensations of a failed workflow achieved. */
    enum CompensationOutcome {
        NONE,
        COMPENSATED,
        COMPENSATION_FAILED
    }

    /** The workflow was cancelled; unfinished tasks were skipped or cancelled. */
    record WorkflowCancelled(
            WorkflowId workflowId, @Nullable String reason, Instant finishedAt) implements WorkflowEvent {}
}
