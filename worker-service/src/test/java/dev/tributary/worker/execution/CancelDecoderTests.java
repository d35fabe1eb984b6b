package dev.tributary.worker.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class CancelDecoderTests {

    private final CancelDecoder decoder = new CancelDecoder(EventCodec.json());

    private static ConsumerRecord<byte[], byte[]> record(@Nullable String ceType, byte[] value) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("cancels", 0, 0, null, value);
        if (ceType != null) {
            record.headers().add(Headers.CE_TYPE, ceType.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private static TaskCancel cancel(int attempt) {
        return new TaskCancel(
                WorkflowId.of("wf"),
                TaskId.of("t"),
                attempt,
                TaskKind.COMPENSATION,
                "workflow cancelled",
                Instant.parse("2026-01-01T00:00:00Z"));
    }

    private String rejection(ConsumerRecord<byte[], byte[]> record) {
        CancelDecoder.Decoded decoded = decoder.decode(record);
        assertThat(decoded).isInstanceOf(CancelDecoder.Rejected.class);
        return ((CancelDecoder.Rejected) decoded).reason();
    }

    @Test
    void decodesACancelWhoseKeyIsTheAttemptsIdempotencyKey() {
        CancelDecoder.Decoded decoded = decoder.decode(
                record(EventTypes.of(TaskCancel.class), EventCodec.json().encode(cancel(3))));

        assertThat(decoded).isInstanceOfSatisfying(CancelDecoder.Accepted.class, accepted -> {
            assertThat(accepted.cancel()).isEqualTo(cancel(3));
            assertThat(accepted.cancel().idempotencyKey()).isEqualTo("wf/t/compensation/3");
        });
    }

    @Test
    void rejectsWhatIsNotAValidCancel() {
        String cancelType = EventTypes.of(TaskCancel.class);
        byte[] valid = EventCodec.json().encode(cancel(1));

        assertThat(rejection(record(null, valid))).isEqualTo("missing header ce_type");
        assertThat(rejection(record(cancelType, "{broken".getBytes(StandardCharsets.UTF_8))))
                .contains("TaskCancel");
        assertThat(rejection(record(cancelType, "{\"workflowId\": \"wf\"}".getBytes(StandardCharsets.UTF_8))))
                .contains("not a valid TaskCancel");
        assertThat(rejection(record(cancelType, EventCodec.json().encode(cancel(0)))))
                .contains("at least 1");
        assertThat(rejection(record("tributary.nonsense.v1", valid))).contains("tributary.nonsense.v1");
        TaskDispatch dispatch = new TaskDispatch(
                WorkflowId.of("wf"), TaskId.of("t"), 1, TaskKind.TASK, "x", null, Map.of(), null, "wf/t/1");
        assertThat(rejection(record(
                        EventTypes.of(TaskDispatch.class), EventCodec.json().encode(dispatch))))
                .contains("TaskDispatch");
    }
}
