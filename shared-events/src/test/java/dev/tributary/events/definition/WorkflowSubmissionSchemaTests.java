package dev.tributary.events.definition;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.tributary.events.EventTypes;
import dev.tributary.events.codec.EventCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The published submission schema accepts what {@link WorkflowSubmission} writes and rejects
 * malformed submissions at the right place.
 */
class WorkflowSubmissionSchemaTests {

    private static final EventCodec CODEC = EventCodec.json();
    private static JsonNode schemaNode;
    private static Schema schema;

    @BeforeAll
    static void loadSchema() {
        String path = EventTypes.schemaPath(EventTypes.of(WorkflowSubmission.class));
        schemaNode = CODEC.readTree(resource(path));
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(schemaNode);
    }

    @Test
    void schemaIsPublishedUnderItsEventTypeAndIsAValidDraft202012Schema() {
        Schema metaSchema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));

        assertThat(metaSchema.validate(schemaNode)).isEmpty();
        assertThat(schemaNode.get("$id").asString()).endsWith("tributary.workflow.submission.v1.schema.json");
    }

    @Test
    void everyPropertyAndDefinitionIsDocumented() {
        List<String> undocumented = new ArrayList<>();
        collectUndocumented(schemaNode, "", undocumented);

        assertThat(undocumented).isEmpty();
    }

    @Test
    void topLevelPropertiesAreTheRecordComponentsAndRequiredAreTheNonNullOnes() {
        List<String> components = Arrays.stream(WorkflowSubmission.class.getRecordComponents())
                .map(RecordComponent::getName)
                .toList();
        List<String> nonNull = Arrays.stream(WorkflowSubmission.class.getRecordComponents())
                .filter(component -> !component.getAnnotatedType().isAnnotationPresent(Nullable.class))
                .map(RecordComponent::getName)
                .toList();

        assertThat(schemaNode.get("properties").propertyNames()).containsExactlyInAnyOrderElementsOf(components);
        assertThat(schemaNode.get("required").values().stream().map(JsonNode::asString))
                .containsExactlyInAnyOrderElementsOf(nonNull);
        assertThat(schemaNode.at("/$defs/task/properties").propertyNames())
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(TaskDefinition.class.getRecordComponents())
                        .map(RecordComponent::getName)
                        .toList());
        assertThat(schemaNode.at("/$defs/retryPolicy/properties").propertyNames())
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(RetryPolicy.class.getRecordComponents())
                        .map(RecordComponent::getName)
                        .toList());
    }

    private static void collectUndocumented(JsonNode node, String path, List<String> undocumented) {
        if (!node.isObject()) {
            return;
        }
        for (String group : List.of("properties", "$defs")) {
            for (Map.Entry<String, JsonNode> entry : node.path(group).properties()) {
                if (entry.getValue().path("description").asString("").isBlank()) {
                    undocumented.add(path + "/" + group + "/" + entry.getKey());
                }
            }
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            collectUndocumented(entry.getValue(), path + "/" + entry.getKey(), undocumented);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"minimal.json", "diamond.json", "fractional-durations.json"})
    void validSamplesValidateAndRoundTripThroughTheRecord(String sample) {
        byte[] json = resource("samples/submission/" + sample);
        JsonNode original = CODEC.readTree(json);

        assertThat(messages(schema.validate(original))).isEmpty();

        WorkflowSubmission decoded = CODEC.decode(json, WorkflowSubmission.class);
        JsonNode encoded = CODEC.toTree(decoded);

        assertThat(messages(schema.validate(encoded))).isEmpty();
        assertThat(CODEC.treeToValue(encoded, WorkflowSubmission.class)).isEqualTo(decoded);
        assertThat(encoded.equals(BY_VALUE, original))
                .as("encoded %s equals the sample %s", encoded, original)
                .isTrue();
    }

    @Test
    void diamondSampleMapsEveryFieldOntoTheRecord() {
        WorkflowSubmission submission =
                CODEC.decode(resource("samples/submission/diamond.json"), WorkflowSubmission.class);

        assertThat(submission.id()).isEqualTo("order-4711");
        assertThat(submission.timeout()).isEqualTo(Duration.ofHours(2));
        assertThat(submission.labels()).containsEntry("team", "checkout");
        assertThat(Objects.requireNonNull(submission.taskDefaults()).retry())
                .isEqualTo(new RetryPolicy(3, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1), 0.2, null));
        TaskDefinition charge = submission.tasks().get(1);
        assertThat(charge.dependencies()).extracting(Object::toString).containsExactly("reserve");
        assertThat(charge.timeout()).isEqualTo(new TaskTimeout(Duration.ofSeconds(10), Duration.ofMinutes(5)));
        assertThat(Objects.requireNonNull(charge.retry()).nonRetryableErrorCodes())
                .containsExactly("CARD_DECLINED", "FRAUD");
        assertThat(Objects.requireNonNull(charge.compensation()).type()).isEqualTo("payment.refund");
        assertThat(submission.definition().tasks()).hasSize(4);
    }

    @Test
    void optionalFieldsMayBeNull() {
        JsonNode doc = CODEC.readTree("""
                {"id": null, "name": "n", "input": null, "labels": null, "timeout": null, "taskDefaults": null,
                 "tasks": [{"id": "a", "type": "t", "input": null, "dependsOn": null, "retry": null,
                            "timeout": {"startToClose": null}, "compensation": null}]}
                """.getBytes());

        assertThat(messages(schema.validate(doc))).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no tasks              | {"name":"n","tasks":[]}                                              | /tasks                         | minItems
            tasks missing         | {"name":"n"}                                                         |                                | required
            name missing          | {"tasks":[{"id":"a","type":"t"}]}                                     |                                | required
            blank name            | {"name":"  ","tasks":[{"id":"a","type":"t"}]}                         | /name                          | pattern
            unknown root field    | {"name":"n","tasks":[{"id":"a","type":"t"}],"priority":1}             |                                | additionalProperties
            unknown task field    | {"name":"n","tasks":[{"id":"a","type":"t","after":["b"]}]}           | /tasks/0                       | additionalProperties
            task id with space    | {"name":"n","tasks":[{"id":"a b","type":"t"}]}                        | /tasks/0/id                    | pattern
            task id too long      | {"name":"n","tasks":[{"id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","type":"t"}]} | /tasks/0/id | maxLength
            upper-case task type  | {"name":"n","tasks":[{"id":"a","type":"Http"}]}                       | /tasks/0/type                  | pattern
            type with slash       | {"name":"n","tasks":[{"id":"a","type":"a/b"}]}                        | /tasks/0/type                  | pattern
            workflow id with slash| {"id":"a/b","name":"n","tasks":[{"id":"a","type":"t"}]}               | /id                            | pattern
            name is a number      | {"name":5,"tasks":[{"id":"a","type":"t"}]}                            | /name                          | type
            tasks is an object    | {"name":"n","tasks":{"id":"a","type":"t"}}                           | /tasks                         | type
            dependsOn is a string | {"name":"n","tasks":[{"id":"a","type":"t","dependsOn":"b"}]}          | /tasks/0/dependsOn             | type
            dependsOn repeats     | {"name":"n","tasks":[{"id":"a","type":"t"},{"id":"b","type":"t","dependsOn":["a","a"]}]} | /tasks/1/dependsOn | uniqueItems
            zero attempts         | {"name":"n","tasks":[{"id":"a","type":"t","retry":{"maxAttempts":0}}]} | /tasks/0/retry/maxAttempts    | minimum
            fractional attempts   | {"name":"n","tasks":[{"id":"a","type":"t","retry":{"maxAttempts":1.5}}]} | /tasks/0/retry/maxAttempts  | type
            multiplier above 10   | {"name":"n","tasks":[{"id":"a","type":"t","retry":{"backoffMultiplier":11}}]} | /tasks/0/retry/backoffMultiplier | maximum
            negative jitter       | {"name":"n","tasks":[{"id":"a","type":"t","retry":{"jitter":-0.1}}]}  | /tasks/0/retry/jitter          | minimum
            duration in seconds   | {"name":"n","timeout":30,"tasks":[{"id":"a","type":"t"}]}             | /timeout                       | type
            negative duration     | {"name":"n","timeout":"-PT5S","tasks":[{"id":"a","type":"t"}]}         | /timeout                       | pattern
            duration with years   | {"name":"n","timeout":"P1Y","tasks":[{"id":"a","type":"t"}]}           | /timeout                       | pattern
            compensation no type  | {"name":"n","tasks":[{"id":"a","type":"t","compensation":{"input":1}}]} | /tasks/0/compensation        | required
            label value number    | {"name":"n","labels":{"k":1},"tasks":[{"id":"a","type":"t"}]}          | /labels/k                      | type
            """)
    void invalidSamplesFailAtTheOffendingField(String description, String json, String pointer, String keyword) {
        List<Error> errors = schema.validate(CODEC.readTree(json.getBytes()));

        assertThat(errors).as(description).anySatisfy(error -> {
            assertThat(error.getInstanceLocation().toString()).isEqualTo(pointer == null ? "" : pointer);
            assertThat(error.getKeyword()).isEqualTo(keyword);
        });
    }

    /**
     * Numbers compare by value (the codec writes 0 as 0.0 for a double field) and durations by
     * length ({@link Duration} writes P1DT12H as PT36H).
     */
    private static final Comparator<JsonNode> BY_VALUE = (a, b) -> {
        if (a.equals(b)) {
            return 0;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        if (a.isString()
                && b.isString()
                && a.asString().startsWith("P")
                && b.asString().startsWith("P")) {
            return Duration.parse(a.asString()).compareTo(Duration.parse(b.asString()));
        }
        return 1;
    };

    private static List<String> messages(List<Error> errors) {
        return errors.stream().map(Error::toString).toList();
    }

    private static byte[] resource(String path) {
        try (InputStream in =
                WorkflowSubmissionSchemaTests.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
