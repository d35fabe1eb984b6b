package dev.tributary.events.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.events.definition.RetryPolicy;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.TaskTimeout;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TaskFailed;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.WorkflowCancelled;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

class EventCodecTests {

    private static final EventCodec CODEC = EventCodec.json();
    private static final WorkflowId WORKFLOW = WorkflowId.of("order-1");
    private static final Instant AT = Instant.parse("2025-05-01T10:15:30.123Z");

    private static final String STARTED = """
            {"workflowId":"order-1","taskId":"charge","attempt":2,"kind":"TASK",\
            "workerId":"w-1","startedAt":"2025-05-01T10:15:30.123Z"}""";

    @Test
    void typedIdsAreWrittenAndReadAsPlainStrings() {
        TaskStarted started = new TaskStarted(WORKFLOW, TaskId.of("charge"), 2, TaskKind.TASK, "w-1", AT);

        JsonNode tree = CODEC.toTree(started);

        assertThat(tree.get("workflowId").isString()).isTrue();
        assertThat(tree.get("workflowId").asString()).isEqualTo("order-1");
        assertThat(tree.get("taskId").asString()).isEqualTo("charge");
        assertThat(CODEC.encodeToString(TaskId.of("charge"))).isEqualTo("\"charge\"");
        assertThat(CODEC.decode("\"order-1\"", WorkflowId.class)).isEqualTo(WORKFLOW);
        assertThat(CODEC.decode(STARTED, TaskStarted.class)).isEqualTo(started);
    }

    @Test
    void anIdWrittenAsAnObjectIsRejected() {
        assertThatThrownBy(() ->
                        CODEC.decode(STARTED.replace("\"order-1\"", "{\"value\":\"order-1\"}"), TaskStarted.class))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("/workflowId");
    }

    @Test
    void taskIdMapKeysAreTaskIdStrings() {
        Map<TaskId, JsonNode> outputs = new LinkedHashMap<>();
        outputs.put(
                TaskId.of("reserve-stock"),
                JsonNodeFactory.instance.objectNode().put("reservationId", "r-1"));
        outputs.put(TaskId.of("charge"), JsonNodeFactory.instance.numberNode(42));
        TaskDispatch dispatch = new TaskDispatch(
                WORKFLOW,
                TaskId.of("ship"),
                1,
                TaskKind.TASK,
                "shipping",
                null,
                outputs,
                null,
                TaskDispatch.idempotencyKey(WORKFLOW, TaskId.of("ship"), 1));

        JsonNode tree = CODEC.toTree(dispatch);
        TaskDispatch decoded = CODEC.decode(CODEC.encode(dispatch), TaskDispatch.class);

        assertThat(tree.get("upstreamOutputs").propertyNames()).containsExactly("reserve-stock", "charge");
        assertThat(tree.at("/upstreamOutputs/reserve-stock/reservationId").asString())
                .isEqualTo("r-1");
        assertThat(tree.get("idempotencyKey").asString()).isEqualTo("order-1/ship/1");
        assertThat(decoded.upstreamOutputs()).containsOnlyKeys(TaskId.of("reserve-stock"), TaskId.of("charge"));
        assertThat(decoded.upstreamOutputs().keySet())
                .allSatisfy(key -> assertThat(key).isInstanceOf(TaskId.class));
        assertThat(decoded).isEqualTo(dispatch);
    }

    @Test
    void instantsAndDurationsAreIso8601Strings() {
        RetryPolicy retry = new RetryPolicy(3, Duration.ofMillis(500), 2.0, Duration.ofMinutes(1), 0.1, null);
        TaskTimeout timeout = new TaskTimeout(Duration.ofHours(48), null);

        JsonNode started = CODEC.toTree(new TaskStarted(WORKFLOW, TaskId.of("a"), 1, TaskKind.TASK, "w", AT));
        JsonNode retryTree = CODEC.toTree(retry);
        JsonNode timeoutTree = CODEC.toTree(timeout);

        assertThat(started.get("startedAt").asString()).isEqualTo("2025-05-01T10:15:30.123Z");
        assertThat(retryTree.get("initialBackoff").asString()).isEqualTo("PT0.5S");
        assertThat(retryTree.get("maxBackoff").asString()).isEqualTo("PT1M");
        assertThat(timeoutTree.get("startToClose").asString()).isEqualTo("PT48H");
        assertThat(CODEC.treeToValue(retryTree, RetryPolicy.class)).isEqualTo(retry);
    }

    @Test
    void anInstantWithAnOffsetIsReadAsTheSameInstant() {
        TaskStarted started = CODEC.decode(
                STARTED.replace("2025-05-01T10:15:30.123Z", "2025-05-01T12:15:30.123+02:00"), TaskStarted.class);

        assertThat(started.startedAt()).isEqualTo(AT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1746094530", "1746094530.5", "\"1746094530\"", "\"2025-05-01T10:15:30\"", "\"\""})
    void anInstantThatIsNotAnRfc3339StringIsRejected(String startedAt) {
        String json = STARTED.replace("\"2025-05-01T10:15:30.123Z\"", startedAt);

        assertThatThrownBy(() -> CODEC.decode(json, TaskStarted.class))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("/startedAt");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1000", "1.5", "\"1000\"", "\"\"", "\"30s\""})
    void aDurationThatIsNotAnIso8601StringIsRejected(String backoff) {
        String json = "{\"maxAttempts\":3,\"initialBackoff\":" + backoff + "}";

        assertThatThrownBy(() -> CODEC.decode(json, RetryPolicy.class))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("/initialBackoff");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"\"attempt\":2.5", "\"attempt\":\"2\"", "\"attempt\":true", "\"workerId\":7", "\"kind\":\"\""})
    void scalarsAreNotCoercedBetweenTypes(String replacement) {
        String property = replacement.substring(1, replacement.indexOf('"', 1));
        String json = STARTED.replaceFirst("\"" + property + "\":[^,}]+", replacement);

        assertThatThrownBy(() -> CODEC.decode(json, TaskStarted.class))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("/" + property);
    }

    @Test
    void nullFieldsAreOmitted() {
        WorkflowCancelled cancelled = new WorkflowCancelled(WORKFLOW, null, AT);
        RetryPolicy empty = new RetryPolicy(null, null, null, null, null, null);

        assertThat(CODEC.encodeToString(cancelled))
                .isEqualTo("{\"workflowId\":\"order-1\",\"finishedAt\":\"2025-05-01T10:15:30.123Z\"}");
        assertThat(CODEC.encodeToString(empty)).isEqualTo("{}");
        assertThat(CODEC.decode(
                        "{\"workflowId\":\"order-1\",\"finishedAt\":\"2025-05-01T10:15:30.123Z\"}",
                        WorkflowCancelled.class))
                .isEqualTo(cancelled);
    }

    @Test
    void unknownFieldsAreIgnoredOnRead() {
        String json = STARTED.replace("{", "{\"region\":\"eu-1\",\"retries\":{\"left\":2},");

        assertThat(CODEC.decode(json, TaskStarted.class)).isEqualTo(CODEC.decode(STARTED, TaskStarted.class));
    }

    @Test
    void aMissingRequiredFieldIsRejectedWithItsPointer() {
        String withoutWorker = STARTED.replace("\"workerId\":\"w-1\",", "");
        String nullTask = STARTED.replace("\"charge\"", "null");

        assertThatThrownBy(() -> CODEC.decode(withoutWorker, TaskStarted.class))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("/workerId");
        assertThatThrownBy(() -> CODEC.decodeEvent("tributary.task.started.v1", bytes(nullTask)))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("/taskId");
    }

    @Test
    void aMissingRequiredFieldInsideAListIsRejectedWithItsPointer() {
        String json = """
                {"workflowId":"order-1","dispatchedAt":"2025-05-01T10:15:30Z",
                 "tasks":[{"taskId":"a","type":"t","attempt":1,"kind":"TASK"},{"taskId":"b","attempt":1,"kind":"TASK"}]}""";

        assertThatThrownBy(() -> CODEC.decodeEvent("tributary.tasks.dispatched.v1", bytes(json)))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("/tasks/1/type");
    }

    @Test
    void anEventWithANullRequiredFieldCannotBeEncoded() {
        TaskFailed failed = new TaskFailed(WORKFLOW, TaskId.of("a"), 1, TaskKind.TASK, "E", null, true, "w", AT);

        assertThatThrownBy(() -> CODEC.encode(failed))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("/message");
    }

    @Test
    void definitionsNestedInAnEventAreCheckedToo() {
        WorkflowDefinition definition = new WorkflowDefinition(
                "n",
                null,
                Map.of(),
                null,
                null,
                List.of(new TaskDefinition(TaskId.of("a"), null, null, null, null, null, null)));

        assertThatThrownBy(() -> CODEC.encode(new WorkflowEvent.WorkflowAccepted(WORKFLOW, definition, AT)))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("/definition/tasks/0/type");
    }

    @Test
    void aNullTaskOutputIsAValueNotAMissingField() {
        TaskSucceeded succeeded = new TaskSucceeded(WORKFLOW, TaskId.of("a"), 1, TaskKind.TASK, null, "w", AT);
        Map<TaskId, JsonNode> outputs = Map.of(TaskId.of("a"), JsonNodeFactory.instance.nullNode());
        TaskDispatch dispatch =
                new TaskDispatch(WORKFLOW, TaskId.of("b"), 1, TaskKind.TASK, "t", null, outputs, null, "k");

        assertThat(CODEC.toTree(succeeded).has("output")).isFalse();
        assertThat(CODEC.decode(CODEC.encode(dispatch), TaskDispatch.class)).isEqualTo(dispatch);
    }

    @Test
    void anUnknownCeTypeIsRejected() {
        assertThatThrownBy(() -> CODEC.decodeEvent("tributary.task.exploded.v1", bytes(STARTED)))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("tributary.task.exploded.v1");
        assertThatThrownBy(() -> CODEC.decodeCommand("tributary.task.dispatch.v9", bytes("{}")))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("tributary.task.dispatch.v9");
    }

    @Test
    void aHistoryTypeIsNotATaskCommandAndViceVersa() {
        assertThatThrownBy(() -> CODEC.decodeCommand("tributary.task.started.v1", bytes(STARTED)))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("not a task command");
        assertThatThrownBy(() -> CODEC.decodeEvent("tributary.task.dispatch.v1", bytes("{}")))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("not a history event");
        assertThatThrownBy(() -> CODEC.decodeEvent("tributary.workflow.submission.v1", bytes("{}")))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("not a history event");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "null", "{", "[]", "{\"workflowId\":\"order-1\"} {}"})
    void malformedOrEmptyDocumentsAreRejected(String json) {
        assertThatThrownBy(() -> CODEC.decodeEvent("tributary.workflow.succeeded.v1", bytes(json)))
                .isInstanceOf(EventCodecException.class);
    }

    @Test
    void errorsNeverEchoTheWholeDocument() {
        String secret = "s3cr3t-".repeat(50);
        String json = STARTED.replace("\"TASK\"", "\"RUN\"").replace("{", "{\"token\":\"" + secret + "\",");

        assertThatThrownBy(() -> CODEC.decode(json, TaskStarted.class))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("/kind")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
