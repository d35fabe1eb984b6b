package dev.tributary.worker.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.CompensatedTask;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

class DispatchDecoderTests {

    private final DispatchDecoder decoder = new DispatchDecoder(EventCodec.json(), "undo");

    private static JsonNode json(String json) {
        return EventCodec.json().mapper().readTree(json);
    }

    private static ConsumerRecord<byte[], byte[]> record(Class<?> type, byte[] value) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("tasks.undo", 0, 0, null, value);
        record.headers().add(Headers.CE_TYPE, EventTypes.of(type).getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static TaskDispatch compensation(CompensatedTask compensates, String idempotencyKey) {
        return new TaskDispatch(
                WorkflowId.of("wf"),
                TaskId.of("charge"),
                2,
                TaskKind.COMPENSATION,
                "undo",
                json("{\"refund\": true}"),
                Map.of(TaskId.of("order"), json("{\"id\": 7}")),
                null,
                idempotencyKey,
                compensates);
    }

    private TaskDispatch accepted(ConsumerRecord<byte[], byte[]> record) {
        DispatchDecoder.Decoded decoded = decoder.decode(record);
        assertThat(decoded).isInstanceOf(DispatchDecoder.Accepted.class);
        return ((DispatchDecoder.Accepted) decoded).dispatch();
    }

    @Test
    void aCompensationCarriesTheCompensatedTasksInputAndOutput() {
        TaskDispatch sent = compensation(
                new CompensatedTask(json("{\"amount\": 12}"), json("{\"chargeId\": \"c-1\"}")),
                "wf/charge/compensation/2");

        TaskDispatch dispatch =
                accepted(record(TaskDispatch.class, EventCodec.json().encode(sent)));

        assertThat(dispatch.kind()).isEqualTo(TaskKind.COMPENSATION);
        assertThat(dispatch.compensates()).isEqualTo(sent.compensates());
        assertThat(dispatch.input()).isEqualTo(json("{\"refund\": true}"));
        assertThat(dispatch.upstreamOutputs()).containsEntry(TaskId.of("order"), json("{\"id\": 7}"));
        assertThat(dispatch.idempotencyKey()).isEqualTo("wf/charge/compensation/2");
    }

    @Test
    void aCompensationWithoutContextGetsNullInputAndOutput() {
        ObjectNode sent = (ObjectNode) EventCodec.json()
                .mapper()
                .readTree(EventCodec.json()
                        .encode(compensation(new CompensatedTask(null, null), "wf/charge/compensation/2")));
        sent.remove("compensates");

        TaskDispatch dispatch =
                accepted(record(TaskDispatch.class, EventCodec.json().encode(sent)));

        assertThat(dispatch.compensates())
                .isEqualTo(new CompensatedTask(NullNode.getInstance(), NullNode.getInstance()));
        assertThat(dispatch.idempotencyKey()).isEqualTo("wf/charge/compensation/2");
    }

    @Test
    void aTaskAttemptHasNoCompensationContext() {
        TaskDispatch sent = new TaskDispatch(
                WorkflowId.of("wf"),
                TaskId.of("charge"),
                1,
                TaskKind.TASK,
                "undo",
                null,
                Map.of(),
                null,
                "wf/charge/1",
                new CompensatedTask(json("1"), json("2")));

        assertThat(accepted(record(TaskDispatch.class, EventCodec.json().encode(sent)))
                        .compensates())
                .isNull();
    }

    @Test
    void aCancelOnATaskTopicIsRejected() {
        TaskCancel cancel =
                new TaskCancel(WorkflowId.of("wf"), TaskId.of("t"), 1, TaskKind.TASK, "stop", Instant.now());

        assertThat(decoder.decode(record(TaskCancel.class, EventCodec.json().encode(cancel))))
                .isInstanceOfSatisfying(
                        DispatchDecoder.Rejected.class,
                        rejected -> assertThat(rejected.reason()).contains("TaskCancel"));
    }
}
