package dev.tributary.submission.kafkaintake;

import dev.tributary.consumer.DeadLetters;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.submission.intake.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead-letters rejected submission records through the shared {@link DeadLetters} sender: the
 * original key, value and headers plus {@code tributary_dlt_reason} (one line), {@code
 * tributary_dlt_reason_code} ({@link ReasonCode}), {@code tributary_dlt_errors} (JSON array of
 * {@code {pointer, reason}}, at most {@value #MAX_ERRORS} entries and about {@value
 * #MAX_ERRORS_BYTES} bytes) and the original topic, partition and offset. Synchronous: a batch
 * commits only after its dead letters were acknowledged.
 */
final class SubmissionDeadLetters implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SubmissionDeadLetters.class);
    static final int MAX_ERRORS = 100;
    static final int MAX_ERRORS_BYTES = 16_384;

    private final DeadLetters deadLetters;

    SubmissionDeadLetters(DeadLetters deadLetters) {
        this.deadLetters = deadLetters;
    }

    /**
     * Sends the dead letter and waits for the broker. A value too large to produce again (the
     * headers push it over the producer's limit) is left out; the headers still say where the
     * original is.
     *
     * @throws IllegalStateException when it cannot be sent (the batch then fails and is retried)
     */
    void reject(ConsumerRecord<String, byte[]> record, Rejection rejection) {
        String summary = rejection.summary();
        log.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), summary);
        Map<String, String> headers = Map.of(
                Headers.DLT_REASON_CODE, rejection.code().name(), Headers.DLT_ERRORS, errorsJson(rejection.errors()));
        try {
            deadLetters.send(record, summary, rejection.error(), headers);
        } catch (IllegalStateException e) {
            if (!causedByTooLarge(e) || record.value() == null) {
                throw e;
            }
            log.warn(
                    "dead letter of {}-{}@{} too large to produce; sending it without the value",
                    record.topic(),
                    record.partition(),
                    record.offset());
            deadLetters.send(withoutValue(record), summary, rejection.error(), headers);
        }
    }

    /** Closes the producer, if one was created. */
    @Override
    public void close() {
        deadLetters.close();
    }

    /** The errors as a JSON array, cut to a size that fits a header. */
    static String errorsJson(List<FieldError> errors) {
        List<FieldError> kept = new ArrayList<>();
        int bytes = 2;
        for (FieldError error : errors) {
            int size = error.pointer().length() + error.reason().length() + 30;
            if (kept.size() == MAX_ERRORS || bytes + size > MAX_ERRORS_BYTES) {
                kept.add(new FieldError("", "… and " + (errors.size() - kept.size()) + " more errors"));
                break;
            }
            kept.add(error);
            bytes += size;
        }
        return EventCodec.json().encodeToString(kept);
    }

    private static boolean causedByTooLarge(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof RecordTooLargeException) {
                return true;
            }
        }
        return false;
    }

    private static ConsumerRecord<String, byte[]> withoutValue(ConsumerRecord<String, byte[]> record) {
        ConsumerRecord<String, byte[]> copy = new ConsumerRecord<>(
                record.topic(),
                record.partition(),
                record.offset(),
                record.timestamp(),
                record.timestampType(),
                record.serializedKeySize(),
                0,
                record.key(),
                null,
                record.headers(),
                record.leaderEpoch());
        return copy;
    }
}
