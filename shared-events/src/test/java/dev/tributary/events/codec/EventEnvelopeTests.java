package dev.tributary.events.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.events.Headers;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventEnvelopeTests {

    private static final EventCodec CODEC = EventCodec.json();
    private static final Instant AT = Instant.parse("2025-05-01T10:15:30.123Z");
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final TaskStarted STARTED =
            new TaskStarted(WorkflowId.of("order-1"), TaskId.of("charge"), 1, TaskKind.TASK, "w-1", AT);

    @Test
    void wrapTakesTheRegisteredTypeAndTheWorkflowAsSubject() {
        EventEnvelope<TaskStarted> envelope = EventEnvelope.wrap(STARTED, "/tributary/worker", AT, TRACEPARENT);

        assertThat(envelope.type()).isEqualTo("tributary.task.started.v1");
        assertThat(envelope.subject()).isEqualTo("order-1");
        assertThat(envelope.payload()).isSameAs(STARTED);
        assertThat(EventEnvelope.wrap(STARTED, "/tributary/worker", AT, null).id())
                .isNotEqualTo(envelope.id());
    }

    @Test
    void headersFollowTheCloudEventsKafkaBinaryBinding() {
        UUID id = UUID.fromString("0196a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        EventEnvelope<TaskStarted> envelope = new EventEnvelope<>(
                id, "tributary.task.started.v1", "/tributary/worker", "order-1", AT, TRACEPARENT, STARTED);

        assertThat(envelope.headers())
                .containsExactly(
                        Map.entry(Headers.CE_SPECVERSION, "1.0"),
                        Map.entry(Headers.CE_ID, id.toString()),
                        Map.entry(Headers.CE_TYPE, "tributary.task.started.v1"),
                        Map.entry(Headers.CE_SOURCE, "/tributary/worker"),
                        Map.entry(Headers.CE_SUBJECT, "order-1"),
                        Map.entry(Headers.CE_TIME, "2025-05-01T10:15:30.123Z"),
                        Map.entry(Headers.CONTENT_TYPE, "application/json"),
                        Map.entry(Headers.TRACEPARENT, TRACEPARENT));
        assertThat(new EventEnvelope<>(id, "t", "s", "order-1", AT, null, STARTED).headers())
                .doesNotContainKey(Headers.TRACEPARENT);
    }

    @Test
    void headersAndValueDecodeBackToTheSameEnvelope() {
        EventEnvelope<TaskStarted> sent = EventEnvelope.wrap(STARTED, "/tributary/worker", AT, TRACEPARENT);
        Map<String, String> received = new HashMap<>(sent.headers());
        received.put("kafka_some_other_header", "ignored");

        EventEnvelope<WorkflowEvent> decoded = CODEC.decodeEvent(received, CODEC.encode(sent.payload()));

        assertThat(decoded).isEqualTo(sent.withPayload((WorkflowEvent) STARTED));
    }

    @Test
    void aTaskCommandDecodesFromItsRecord() {
        TaskDispatch dispatch = new TaskDispatch(
                WorkflowId.of("order-1"),
                TaskId.of("ship"),
                1,
                TaskKind.TASK,
                "shipping",
                null,
                Map.of(),
                null,
                "order-1/ship/1");
        EventEnvelope<TaskDispatch> sent = EventEnvelope.wrap(dispatch, "/tributary/scheduler", AT, null);

        EventEnvelope<TaskCommand> decoded = CODEC.decodeCommand(sent.headers(), CODEC.encode(dispatch));

        assertThat(decoded.payload()).isEqualTo(dispatch);
        assertThat(decoded.id()).isEqualTo(sent.id());
        assertThat(decoded.traceparent()).isNull();
    }

    @Test
    void onlyEventsAndCommandsCanBeWrapped() {
        assertThatThrownBy(() -> EventEnvelope.wrap("not an event", "/x", AT, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.String");
    }

    @ParameterizedTest
    @ValueSource(strings = {Headers.CE_ID, Headers.CE_TYPE, Headers.CE_SOURCE, Headers.CE_SUBJECT, Headers.CE_TIME})
    void aMissingRequiredHeaderIsRejected(String header) {
        Map<String, String> headers =
                new HashMap<>(EventEnvelope.wrap(STARTED, "/w", AT, null).headers());
        headers.remove(header);

        assertThatThrownBy(() -> EventEnvelope.fromHeaders(headers, new byte[0]))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining(header);
    }

    @Test
    void malformedHeadersAreRejected() {
        Map<String, String> headers =
                new HashMap<>(EventEnvelope.wrap(STARTED, "/w", AT, null).headers());

        headers.put(Headers.CE_ID, "42");
        assertThatThrownBy(() -> EventEnvelope.fromHeaders(headers, new byte[0]))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining(Headers.CE_ID);

        headers.put(Headers.CE_ID, UUID.randomUUID().toString());
        headers.put(Headers.CE_TIME, "1746094530123");
        assertThatThrownBy(() -> EventEnvelope.fromHeaders(headers, new byte[0]))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining(Headers.CE_TIME);

        headers.put(Headers.CE_TIME, "2025-05-01T12:15:30.123+02:00");
        headers.put(Headers.CE_SPECVERSION, "0.3");
        assertThatThrownBy(() -> EventEnvelope.fromHeaders(headers, new byte[0]))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining(Headers.CE_SPECVERSION);

        headers.remove(Headers.CE_SPECVERSION);
        assertThat(EventEnvelope.fromHeaders(headers, new byte[0]).time()).isEqualTo(AT);
    }

    @Test
    void aHeaderTypeThatDoesNotMatchTheStreamIsRejected() {
        EventEnvelope<TaskStarted> sent = EventEnvelope.wrap(STARTED, "/w", AT, null);

        assertThatThrownBy(() -> CODEC.decodeCommand(sent.headers(), CODEC.encode(STARTED)))
                .isInstanceOf(EventCodecException.class)
                .hasMessageContaining("not a task command");
    }
}
