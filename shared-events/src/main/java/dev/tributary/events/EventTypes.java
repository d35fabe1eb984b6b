package dev.tributary.events;

import dev.tributary.events.definition.WorkflowSubmission;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.task.TaskCommand;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The CloudEvents {@code ce_type} of every contract record. A breaking change to a record is a
 * new version suffix, never an edit in place.
 */
public final class EventTypes {

    private static final Map<Class<?>, String> TYPES = new LinkedHashMap<>();
    private static final Map<String, Class<?>> CLASSES = new LinkedHashMap<>();
    private static final Map<String, Class<?>> ALL = Collections.unmodifiableMap(CLASSES);

    static {
        register(WorkflowSubmission.class, "tributary.workflow.submission.v1");
        register(WorkflowEvent.WorkflowAccepted.class, "tributary.workflow.accepted.v1");
        register(WorkflowEvent.WorkflowCancelRequested.class, "tributary.workflow.cancel-requested.v1");
        register(WorkflowEvent.WorkflowRetryRequested.class, "tributary.workflow.retry-requested.v1");
        register(WorkflowEvent.WorkflowTimedOut.class, "tributary.workflow.timed-out.v1");
        register(WorkflowEvent.TasksDispatched.class, "tributary.tasks.dispatched.v1");
        register(WorkflowEvent.TaskStarted.class, "tributary.task.started.v1");
        register(WorkflowEvent.TaskSucceeded.class, "tributary.task.succeeded.v1");
        register(WorkflowEvent.TaskFailed.class, "tributary.task.failed.v1");
        register(WorkflowEvent.TaskTimedOut.class, "tributary.task.timed-out.v1");
        register(WorkflowEvent.TaskRetryDue.class, "tributary.task.retry-due.v1");
        register(WorkflowEvent.WorkflowSucceeded.class, "tributary.workflow.succeeded.v1");
        register(WorkflowEvent.WorkflowCompensating.class, "tributary.workflow.compensating.v1");
        register(WorkflowEvent.WorkflowFailed.class, "tributary.workflow.failed.v1");
        register(WorkflowEvent.WorkflowCancelled.class, "tributary.workflow.cancelled.v1");
        register(TaskCommand.TaskDispatch.class, "tributary.task.dispatch.v1");
        register(TaskCommand.TaskCancel.class, "tributary.task.cancel.v1");
    }

    private EventTypes() {}

    private static void register(Class<?> type, String ceType) {
        TYPES.put(type, ceType);
        CLASSES.put(ceType, type);
    }

    /** The {@code ce_type} of a contract record class. */
    public static String of(Class<?> type) {
        String ceType = TYPES.get(type);
        if (ceType == null) {
            throw new IllegalArgumentException("not a contract type: " + type.getName());
        }
        return ceType;
    }

    /** The contract record class of a {@code ce_type}, if it is one Tributary knows. */
    public static Optional<Class<?>> classOf(String ceType) {
        return Optional.ofNullable(CLASSES.get(ceType));
    }

    /**
     * Every registered {@code ce_type} with its record class, in registration order (read-only).
     * {@code Map.copyOf} would randomise the iteration order between JVM runs.
     */
    public static Map<String, Class<?>> all() {
        return ALL;
    }

    /** The JSON Schema resource path published in the jar for a {@code ce_type}. */
    public static String schemaPath(String ceType) {
        return "schemas/" + ceType + ".schema.json";
    }
}
