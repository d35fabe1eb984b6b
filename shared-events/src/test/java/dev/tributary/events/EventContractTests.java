package dev.tributary.events;

import static dev.tributary.events.ContractSamples.CODEC;
import static dev.tributary.events.ContractSamples.sample;
import static dev.tributary.events.ContractSamples.sampleBytes;
import static dev.tributary.events.ContractSamples.schemaDocument;
import static dev.tributary.events.ContractSamples.validate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.events.codec.EventCodecException;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.task.TaskCommand;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every event and command type has a published JSON Schema, and a realistic sample of it validates
 * against the schema and round-trips through its record unchanged. Negative samples show that the
 * schema and the codec agree on what is required.
 */
class EventContractTests {

    private static final String TYPES = "dev.tributary.events.ContractSamples#eventAndCommandTypes";

    @ParameterizedTest
    @MethodSource(TYPES)
    void publishesADraft202012SchemaForEveryEventAndCommandType(String ceType) {
        assertThat(getClass().getClassLoader().getResource(EventTypes.schemaPath(ceType)))
                .as("schema resource of %s", ceType)
                .isNotNull();
        JsonNode schema = schemaDocument(ceType + ".schema.json");
        assertThat(schema.path("$schema").asString()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(schema.path("title").asString()).contains(ceType);
        assertThat(schema.path("additionalProperties").asBoolean())
                .as("readers of %s must tolerate new fields", ceType)
                .isTrue();
        assertThat(ContractSamples.schema(ceType).getSchemaNode()).isEqualTo(schema);
    }

    @ParameterizedTest
    @MethodSource(TYPES)
    void sampleValidatesAgainstItsSchema(String ceType) {
        assertThat(validate(ceType, sample(ceType))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource(TYPES)
    void sampleRoundTripsThroughItsRecordUnchanged(String ceType) {
        Class<?> type = EventTypes.classOf(ceType).orElseThrow();
        byte[] json = sampleBytes(ceType);

        Object record = CODEC.decode(json, type);
        byte[] encoded = CODEC.encode(record);

        assertThat(record).isInstanceOf(type);
        assertThat(CODEC.readTree(encoded)).isEqualTo(CODEC.readTree(json));
        assertThat(validate(ceType, CODEC.readTree(encoded))).isEmpty();
        assertThat(CODEC.decode(encoded, type)).isEqualTo(record);
    }

    @ParameterizedTest
    @MethodSource(TYPES)
    void decodingByCeTypeGivesTheRegisteredRecord(String ceType) {
        Class<?> type = EventTypes.classOf(ceType).orElseThrow();
        byte[] json = sampleBytes(ceType);

        Object decoded = WorkflowEvent.class.isAssignableFrom(type)
                ? CODEC.decodeEvent(ceType, json)
                : CODEC.decodeCommand(ceType, json);

        assertThat(decoded).isExactlyInstanceOf(type).isEqualTo(CODEC.decode(json, type));
        assertThat(decoded).isInstanceOfAny(WorkflowEvent.class, TaskCommand.class);
    }

    @ParameterizedTest
    @MethodSource(TYPES)
    void sampleSetsEveryPropertyItsSchemaDeclares(String ceType) {
        JsonNode schema = schemaDocument(ceType + ".schema.json");
        assertThat(sample(ceType).propertyNames())
                .as("the sample of %s should exercise every field", ceType)
                .containsExactlyInAnyOrderElementsOf(schema.path("properties").propertyNames());
    }

    static Stream<Arguments> everyPropertyOfEverySample() {
        return ContractSamples.eventAndCommandTypes()
                .flatMap(ceType -> sample(ceType).propertyNames().stream().map(name -> Arguments.of(ceType, name)));
    }

    @ParameterizedTest(name = "{0} without {1}")
    @MethodSource("everyPropertyOfEverySample")
    void schemaAndCodecAgreeOnWhetherAPropertyIsRequired(String ceType, String property) {
        Class<?> type = EventTypes.classOf(ceType).orElseThrow();
        JsonNode document = sample(ceType);
        ((ObjectNode) document).remove(property);
        byte[] json = CODEC.mapper().writeValueAsBytes(document);
        boolean required = contains(schemaDocument(ceType + ".schema.json").path("required"), property);

        var errors = validate(ceType, document);

        if (required) {
            assertThat(errors).anySatisfy(error -> {
                assertThat(error.getKeyword()).isEqualTo("required");
                assertThat(error.getProperty()).isEqualTo(property);
            });
            assertThatThrownBy(() -> CODEC.decode(json, type))
                    .isInstanceOf(EventCodecException.class)
                    .hasMessageContaining(property);
        } else {
            assertThat(errors).isEmpty();
            assertThat(CODEC.decode(json, type)).isInstanceOf(type);
        }
    }

    @Test
    void nestedRequiredFieldsAreRequiredBySchemaAndCodecAlike() {
        JsonNode accepted = sample("tributary.workflow.accepted.v1");
        ((ObjectNode) accepted.at("/definition/tasks/1")).remove("type");
        JsonNode dispatched = sample("tributary.tasks.dispatched.v1");
        ((ObjectNode) dispatched.at("/tasks/0")).remove("taskId");

        assertThat(validate("tributary.workflow.accepted.v1", accepted))
                .anySatisfy(error -> assertThat(error.getProperty()).isEqualTo("type"));
        assertThat(validate("tributary.tasks.dispatched.v1", dispatched))
                .anySatisfy(error -> assertThat(error.getProperty()).isEqualTo("taskId"));
        assertThatThrownBy(() -> CODEC.treeToValue(accepted, WorkflowEvent.WorkflowAccepted.class))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("/definition/tasks/1/type");
        assertThatThrownBy(() -> CODEC.treeToValue(dispatched, WorkflowEvent.TasksDispatched.class))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("/tasks/0/taskId");
    }

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                Arguments.of("tributary.task.started.v1", "/kind", "\"RUNNING\"", "enum"),
                Arguments.of("tributary.task.timed-out.v1", "/timeout", "\"WALL_CLOCK\"", "enum"),
                Arguments.of("tributary.workflow.failed.v1", "/compensation", "\"PARTIAL\"", "enum"),
                Arguments.of("tributary.tasks.dispatched.v1", "/tasks/0/kind", "\"task\"", "enum"),
                Arguments.of("tributary.workflow.accepted.v1", "/workflowId", "\"order 1\"", "pattern"),
                Arguments.of(
                        "tributary.workflow.succeeded.v1", "/workflowId", "\"" + "w".repeat(129) + "\"", "pattern"),
                Arguments.of("tributary.task.dispatch.v1", "/taskId", "\"-ship\"", "pattern"),
                Arguments.of("tributary.task.dispatch.v1", "/idempotencyKey", "\"ship-1\"", "pattern"),
                Arguments.of("tributary.task.dispatch.v1", "/upstreamOutputs", "{\"bad key\": 1}", "propertyNames"),
                Arguments.of("tributary.task.succeeded.v1", "/finishedAt", "\"2025-05-01 10:15\"", "format"),
                Arguments.of("tributary.task.failed.v1", "/attempt", "0", "minimum"),
                Arguments.of("tributary.task.failed.v1", "/retryable", "\"yes\"", "type"),
                Arguments.of("tributary.workflow.accepted.v1", "/definition/timeout", "\"3600\"", "pattern"),
                Arguments.of("tributary.workflow.accepted.v1", "/definition/timeout", "3600", "type"),
                Arguments.of("tributary.workflow.accepted.v1", "/definition/timeout", "\"PT-1S\"", "pattern"),
                Arguments.of(
                        "tributary.workflow.accepted.v1", "/definition/tasks/0/retry/maxAttempts", "1000", "maximum"),
                Arguments.of("tributary.workflow.accepted.v1", "/definition/tasks", "[]", "minItems"));
    }

    @ParameterizedTest(name = "{0}: {1} = {2} breaks {3}")
    @MethodSource("invalidValues")
    void schemaRejectsAnInvalidValue(String ceType, String pointer, String value, String keyword) {
        JsonNode document = sample(ceType);
        replace(document, pointer, CODEC.readTree(value.getBytes(StandardCharsets.UTF_8)));

        assertThat(validate(ceType, document))
                .anySatisfy(error -> assertThat(error.getKeyword()).isEqualTo(keyword));
    }

    static Stream<Arguments> invalidEnumValues() {
        return invalidValues().filter(arguments -> arguments.get()[3].equals("enum"));
    }

    @ParameterizedTest(name = "{0}: {1} = {2}")
    @MethodSource("invalidEnumValues")
    void codecRejectsAnUnknownEnumValueToo(String ceType, String pointer, String value, String keyword) {
        JsonNode document = sample(ceType);
        replace(document, pointer, CODEC.readTree(value.getBytes(StandardCharsets.UTF_8)));
        Class<?> type = EventTypes.classOf(ceType).orElseThrow();

        assertThatThrownBy(() -> CODEC.treeToValue(document, type))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining(pointer.substring(pointer.lastIndexOf('/') + 1));
    }

    @Test
    void newFieldsAreAllowedBySchemasAndIgnoredByTheCodec() {
        String ceType = "tributary.workflow.accepted.v1";
        JsonNode document = sample(ceType);
        ((ObjectNode) document).put("submittedBy", "alice");
        ((ObjectNode) document.at("/definition/tasks/0")).put("priority", 7);
        ((ObjectNode) document.at("/definition/tasks/0/retry"))
                .putObject("backoffStrategy")
                .put("kind", "linear");

        assertThat(validate(ceType, document)).isEmpty();
        assertThat(CODEC.treeToValue(document, WorkflowEvent.WorkflowAccepted.class))
                .isEqualTo(CODEC.decode(sampleBytes(ceType), WorkflowEvent.WorkflowAccepted.class));
    }

    private static boolean contains(JsonNode array, String value) {
        List<String> values = new ArrayList<>();
        array.values().forEach(node -> values.add(node.asString()));
        return values.contains(value);
    }

    private static void replace(JsonNode root, String pointer, JsonNode value) {
        JsonPointer path = JsonPointer.compile(pointer);
        JsonNode parent = root.at(path.head());
        String last = path.last().getMatchingProperty();
        if (parent instanceof ArrayNode array) {
            array.set(Integer.parseInt(last), value);
        } else {
            ((ObjectNode) parent).set(last, value);
        }
    }
}
