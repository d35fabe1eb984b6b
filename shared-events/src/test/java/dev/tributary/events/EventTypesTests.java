package dev.tributary.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.events.definition.WorkflowSubmission;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.task.TaskCommand;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventTypesTests {

    @Test
    void everyHistoryEventIsRegistered() {
        assertRegistered(WorkflowEvent.class);
    }

    @Test
    void everyTaskCommandIsRegistered() {
        assertRegistered(TaskCommand.class);
    }

    /** Adding a record to a sealed stream without a ce_type (and so without a schema) fails here. */
    private static void assertRegistered(Class<?> sealedStream) {
        Class<?>[] permitted = sealedStream.getPermittedSubclasses();
        assertThat(permitted).isNotEmpty();
        for (Class<?> type : permitted) {
            String ceType = EventTypes.of(type);
            assertThat(EventTypes.classOf(ceType)).contains(type);
            assertThat(EventTypes.class.getClassLoader().getResource(EventTypes.schemaPath(ceType)))
                    .as("published schema of %s", ceType)
                    .isNotNull();
        }
    }

    @Test
    void everyRegisteredTypeIsARecordOfAStreamOrTheSubmission() {
        for (Map.Entry<String, Class<?>> entry : EventTypes.all().entrySet()) {
            Class<?> type = entry.getValue();
            assertThat(type.isRecord()).as(entry.getKey()).isTrue();
            assertThat(WorkflowEvent.class.isAssignableFrom(type)
                            || TaskCommand.class.isAssignableFrom(type)
                            || type == WorkflowSubmission.class)
                    .as(entry.getKey())
                    .isTrue();
            assertThat(EventTypes.of(type)).isEqualTo(entry.getKey());
        }
    }

    @Test
    void ceTypesAreVersionedTributaryNames() {
        assertThat(EventTypes.all().keySet())
                .allSatisfy(ceType ->
                        assertThat(ceType).matches("tributary\\.[a-z]+(\\.[a-z]+(-[a-z]+)*)+\\.v[1-9][0-9]*"));
    }

    @Test
    void allListsTheTypesInRegistrationOrderAndIsReadOnly() {
        List<String> types = List.copyOf(EventTypes.all().keySet());

        assertThat(types).first().isEqualTo("tributary.workflow.submission.v1");
        assertThat(types).element(1).isEqualTo("tributary.workflow.accepted.v1");
        assertThat(types).last().isEqualTo("tributary.task.cancel.v1");
        assertThat(types)
                .hasSize(WorkflowEvent.class.getPermittedSubclasses().length
                        + TaskCommand.class.getPermittedSubclasses().length
                        + 1);
        assertThatThrownBy(() -> EventTypes.all().put("x", Object.class))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void unknownTypesAreReportedNotGuessed() {
        assertThat(EventTypes.classOf("tributary.task.succeeded.v2")).isEmpty();
        assertThatThrownBy(() -> EventTypes.of(String.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.String");
    }

    @Test
    void schemaPathIsTheCeTypeUnderSchemas() {
        assertThat(EventTypes.schemaPath("tributary.task.started.v1"))
                .isEqualTo("schemas/tributary.task.started.v1.schema.json");
    }
}
