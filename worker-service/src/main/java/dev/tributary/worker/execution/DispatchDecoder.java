package dev.tributary.worker.execution;

import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.codec.EventCodecException;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.task.TaskCommand;
import dev.tributary.events.task.TaskCommand.CompensatedTask;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.NullNode;

/**
 * Turns a record of {@code tributary.tasks.<type>} into a {@link TaskDispatch}, or says why it
 * cannot (the record then goes to the dead-letter topic). Requires a {@code ce_type} header naming
 * a task command, a JSON value matching it, a workflow id, a task id, an attempt from 1, and the
 * topic's task type; fills in what an older producer may omit (kind {@code TASK}, no upstream
 * outputs, the idempotency key from the ids and kind). A compensation always gets a {@code
 * compensates} (with {@link NullNode} for an input or output it lacks); a task never has one.
 */
final class DispatchDecoder {

    sealed interface Decoded {}

    record Accepted(TaskDispatch dispatch) implements Decoded {}

    record Rejected(String reason, @Nullable Throwable cause) implements Decoded {}

    private final EventCodec codec;
    private final String type;

    DispatchDecoder(EventCodec codec, String type) {
        this.codec = codec;
        this.type = type;
    }

    Decoded decode(ConsumerRecord<byte[], byte[]> record) {
        Header ceType = record.headers().lastHeader(Headers.CE_TYPE);
        if (ceType == null || ceType.value() == null) {
            return new Rejected("missing header " + Headers.CE_TYPE, null);
        }
        if (record.value() == null) {
            return new Rejected("record has no value", null);
        }
        TaskCommand command;
        try {
            command = codec.decodeCommand(new String(ceType.value(), StandardCharsets.UTF_8), record.value());
        } catch (EventCodecException e) {
            return new Rejected(e.getMessage(), e);
        }
        return switch (command) {
            case TaskDispatch dispatch -> validate(dispatch);
            case TaskCancel cancel ->
                new Rejected("a TaskCancel on a task topic; cancellations go to the cancellations topic", null);
        };
    }

    // JSON may omit fields the contract declares non-null, hence the null checks.
    private Decoded validate(TaskDispatch d) {
        if (d.workflowId() == null) {
            return new Rejected("dispatch without workflowId", null);
        }
        if (d.taskId() == null) {
            return new Rejected("dispatch without taskId", null);
        }
        if (d.attempt() < 1) {
            return new Rejected("dispatch attempt must be at least 1, was " + d.attempt(), null);
        }
        if (!type.equals(d.type())) {
            return new Rejected("dispatch of type '" + d.type() + "' on the topic of type '" + type + "'", null);
        }
        TaskKind kind = d.kind() == null ? TaskKind.TASK : d.kind();
        String key = d.idempotencyKey() == null
                ? TaskDispatch.idempotencyKey(d.workflowId(), d.taskId(), kind, d.attempt())
                : d.idempotencyKey();
        CompensatedTask compensates = null;
        if (kind == TaskKind.COMPENSATION) {
            CompensatedTask given = d.compensates();
            compensates = given == null
                    ? new CompensatedTask(NullNode.getInstance(), NullNode.getInstance())
                    : new CompensatedTask(orNull(given.input()), orNull(given.output()));
        }
        return new Accepted(new TaskDispatch(
                d.workflowId(),
                d.taskId(),
                d.attempt(),
                kind,
                d.type(),
                d.input(),
                d.upstreamOutputs() == null ? Map.of() : d.upstreamOutputs(),
                d.deadline(),
                key,
                compensates));
    }

    private static JsonNode orNull(@Nullable JsonNode node) {
        return node == null || node.isMissingNode() ? NullNode.getInstance() : node;
    }
}
