package dev.tributary.worker.execution;

import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.codec.EventCodecException;
import dev.tributary.events.task.TaskCommand;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/**
 * Turns a record of {@code tributary.task-cancellations} into a {@link TaskCancel}, or says why it
 * cannot (the record then goes to the dead-letter topic). Requires a {@code ce_type} header naming
 * {@code TaskCancel}, a JSON value with every required field (the codec checks them) and an attempt
 * from 1.
 */
final class CancelDecoder {

    sealed interface Decoded {}

    record Accepted(TaskCancel cancel) implements Decoded {}

    record Rejected(String reason, @Nullable Throwable cause) implements Decoded {}

    private final EventCodec codec;

    CancelDecoder(EventCodec codec) {
        this.codec = codec;
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
            case TaskCancel cancel -> validate(cancel);
            case TaskDispatch dispatch ->
                new Rejected("a TaskDispatch on the cancellations topic; dispatches go to the task topics", null);
        };
    }

    private static Decoded validate(TaskCancel cancel) {
        if (cancel.attempt() < 1) {
            return new Rejected("cancel attempt must be at least 1, was " + cancel.attempt(), null);
        }
        return new Accepted(cancel);
    }
}
