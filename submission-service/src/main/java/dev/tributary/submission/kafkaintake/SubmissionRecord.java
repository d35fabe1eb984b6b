package dev.tributary.submission.kafkaintake;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.definition.WorkflowSubmission;
import dev.tributary.events.history.WorkflowEvent.Origin;
import dev.tributary.submission.intake.FieldError;
import dev.tributary.submission.intake.InvalidSubmissionException;
import dev.tributary.submission.intake.WorkflowIntake;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/** One record of the submissions topic, decoded and validated: a submission to store, or a rejection. */
sealed interface SubmissionRecord {

    ConsumerRecord<String, byte[]> record();

    /** Where the record came from, as {@code WorkflowAccepted} records it. */
    default Origin origin() {
        return Origin.kafka(record().topic(), record().partition(), record().offset());
    }

    /** A valid submission, its id already settled from the value or the key. */
    record Valid(ConsumerRecord<String, byte[]> record, WorkflowSubmission submission) implements SubmissionRecord {}

    /** A record to dead-letter. */
    record Invalid(ConsumerRecord<String, byte[]> record, Rejection rejection) implements SubmissionRecord {}

    String SUBMISSION_TYPE = EventTypes.of(WorkflowSubmission.class);

    /**
     * Decodes and validates a record without touching the database. Checks, in order: a {@code
     * ce_type} header (optional) names a submission; the size; UTF-8; then the intake's own
     * validation with the key as the id when the value has none; finally that a value's id equals
     * the key.
     *
     * @param maxBytes the largest value accepted ({@code max-body-size})
     */
    static SubmissionRecord decode(ConsumerRecord<String, byte[]> record, WorkflowIntake intake, long maxBytes) {
        Header type = record.headers().lastHeader(Headers.CE_TYPE);
        if (type != null && !SUBMISSION_TYPE.equals(text(type.value()))) {
            return new Invalid(
                    record,
                    Rejection.of(
                            ReasonCode.UNSUPPORTED_TYPE,
                            "",
                            "has ce_type \"" + clip(text(type.value())) + "\"; expected " + SUBMISSION_TYPE
                                    + " or no ce_type"));
        }
        byte[] value = record.value() == null ? new byte[0] : record.value();
        if (value.length > maxBytes) {
            return new Invalid(
                    record,
                    Rejection.of(
                            ReasonCode.TOO_LARGE,
                            "",
                            "is " + value.length + " bytes, larger than " + maxBytes + " bytes"));
        }
        int invalidAt = firstInvalidUtf8(value);
        if (invalidAt >= 0) {
            return new Invalid(
                    record,
                    Rejection.of(
                            ReasonCode.NOT_UTF8,
                            "",
                            "is not valid UTF-8 (first bad byte at offset " + invalidAt + ")"));
        }
        String key = record.key() == null || record.key().isEmpty() ? null : record.key();
        WorkflowSubmission submission;
        try {
            submission = intake.validate(value, key);
        } catch (InvalidSubmissionException e) {
            return new Invalid(
                    record, new Rejection(e.malformed() ? ReasonCode.MALFORMED : ReasonCode.INVALID, e.errors(), e));
        }
        if (key != null && submission.id() != null && !key.equals(submission.id())) {
            return new Invalid(
                    record,
                    new Rejection(
                            ReasonCode.KEY_MISMATCH,
                            List.of(new FieldError(
                                    "/id",
                                    "is \"" + clip(submission.id()) + "\" but the record key is \"" + clip(key)
                                            + "\"; leave out the id or make them equal")),
                            null));
        }
        return new Valid(record, submission);
    }

    /** The index of the first byte that is not part of valid UTF-8, or -1. */
    private static int firstInvalidUtf8(byte[] value) {
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.wrap(value);
        try {
            decoder.decode(bytes);
            return -1;
        } catch (CharacterCodingException e) {
            return bytes.position();
        }
    }

    private static String text(byte @Nullable [] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static String clip(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "…";
    }
}
