package dev.tributary.scheduler.history;

import dev.tributary.events.EventTypes;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.outbox.OutboxMessage;
import dev.tributary.outbox.OutboxWriter;
import dev.tributary.scheduler.SchedulerProperties;
import dev.tributary.scheduler.dag.Decision;
import dev.tributary.scheduler.dag.Decision.CancelAttempt;
import dev.tributary.scheduler.dag.Decision.CancelTimer;
import dev.tributary.scheduler.dag.Decision.Dispatch;
import dev.tributary.scheduler.dag.Decision.Emit;
import dev.tributary.scheduler.dag.Decision.ScheduleTimer;
import dev.tributary.scheduler.dag.Decision.TimerKey;
import dev.tributary.scheduler.timer.TimerStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Makes decisions durable inside the batch transaction: history events, task dispatches (to the
 * task type's topic) and task cancellations (to the cancellations topic) become outbox rows (key =
 * workflow id, a fresh UUID as {@code ce_id}), timers become timer rows.
 */
@Component
class DecisionWriter {

    /** A decision and the trace context of the event that caused it. */
    record Traced(Decision decision, @Nullable String traceparent) {}

    private final OutboxWriter outbox;
    private final TimerStore timers;
    private final SchedulerProperties properties;
    private final EventCodec codec = EventCodec.json();

    DecisionWriter(OutboxWriter outbox, TimerStore timers, SchedulerProperties properties) {
        this.outbox = outbox;
        this.timers = timers;
        this.properties = properties;
    }

    void write(List<Traced> decisions) {
        List<OutboxMessage> messages = new ArrayList<>();
        // Within one batch a timer may be armed and disarmed again (released, then finished):
        // the last operation per key is the one that counts.
        Map<TimerKey, Decision> timerOps = new LinkedHashMap<>();
        for (Traced traced : decisions) {
            switch (traced.decision()) {
                case Dispatch dispatch -> {
                    messages.add(event(dispatch.event(), traced.traceparent()));
                    for (TaskDispatch command : dispatch.commands()) {
                        messages.add(new OutboxMessage(
                                UUID.randomUUID(),
                                properties.tasksTopicPrefix() + command.type(),
                                command.workflowId().value(),
                                EventTypes.of(TaskDispatch.class),
                                codec.encodeToString(command),
                                traced.traceparent()));
                    }
                }
                case CancelAttempt cancel ->
                    messages.add(new OutboxMessage(
                            UUID.randomUUID(),
                            properties.cancellationsTopic(),
                            cancel.command().workflowId().value(),
                            EventTypes.of(TaskCancel.class),
                            codec.encodeToString(cancel.command()),
                            traced.traceparent()));
                case Emit emit -> messages.add(event(emit.event(), traced.traceparent()));
                case ScheduleTimer timer -> {
                    timerOps.remove(timer.key());
                    timerOps.put(timer.key(), timer);
                }
                case CancelTimer cancel -> {
                    timerOps.remove(cancel.key());
                    timerOps.put(cancel.key(), cancel);
                }
            }
        }
        outbox.appendAll(messages);
        timers.disarm(timerOps.values().stream()
                .filter(CancelTimer.class::isInstance)
                .map(CancelTimer.class::cast)
                .toList());
        timers.arm(timerOps.values().stream()
                .filter(ScheduleTimer.class::isInstance)
                .map(ScheduleTimer.class::cast)
                .toList());
    }

    private OutboxMessage event(WorkflowEvent event, @Nullable String traceparent) {
        return new OutboxMessage(
                UUID.randomUUID(),
                properties.eventsTopic(),
                event.workflowId().value(),
                EventTypes.of(event.getClass()),
                codec.encodeToString(event),
                traceparent);
    }
}
