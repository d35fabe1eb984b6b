package dev.tributary.events.ids;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/** A task's id, unique within its workflow. */
public record TaskId(@JsonValue String value) implements Comparable<TaskId> {

    /** Jackson reads the id from a plain JSON string (delegating, never an object). */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public TaskId {
        Objects.requireNonNull(value, "task id");
    }

    public static TaskId of(String value) {
        return new TaskId(value);
    }

    @Override
    public int compareTo(TaskId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
