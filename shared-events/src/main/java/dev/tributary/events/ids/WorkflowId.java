package dev.tributary.events.ids;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/** A workflow's id, chosen by the client or a UUIDv7 made by the server. The Kafka key. */
public record WorkflowId(@JsonValue String value) implements Comparable<WorkflowId> {

    /** Jackson reads the id from a plain JSON string (delegating, never an object). */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public WorkflowId {
        Objects.requireNonNull(value, "workflow id");
    }

    public static WorkflowId of(String value) {
        return new WorkflowId(value);
    }

    @Override
    public int compareTo(WorkflowId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
