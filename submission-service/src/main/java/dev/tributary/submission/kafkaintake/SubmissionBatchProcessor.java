package dev.tributary.submission.kafkaintake;

import dev.tributary.consumer.BatchHandler;
import dev.tributary.consumer.OffsetStore;
import dev.tributary.submission.SubmissionProperties.KafkaIntake.Isolation;
import dev.tributary.submission.intake.FieldError;
import dev.tributary.submission.intake.WorkflowConflictException;
import dev.tributary.submission.intake.WorkflowIntake;
import dev.tributary.submission.kafkaintake.SubmissionRecord.Invalid;
import dev.tributary.submission.kafkaintake.SubmissionRecord.Valid;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Handles one poll batch of the submissions topic. First, outside any transaction, every record is
 * decoded and validated ({@link SubmissionRecord#decode}). Then, in one transaction: advance the
 * stored offsets (fenced, first), store each valid submission through {@link WorkflowIntake#store}
 * and, last, dead-letter each invalid one. If the store refuses a record (the id taken by another
 * definition, data the database cannot hold), that transaction rolls back and the batch is written
 * again with a savepoint per record: the refused record rolls back to its savepoint only and is
 * dead-lettered, the good records of the batch commit. Anything else (database down, fenced offsets)
 * fails the whole batch, which the consumer re-reads after a back-off: records that were stored are
 * then absorbed by idempotency, dead letters may be sent twice.
 *
 * <p>With {@link Isolation#TRANSACTION} each record gets a transaction of its own instead.
 *
 * <p>Replay ({@link KafkaIntakeReplay}): the same, except that a submission without an id whose
 * record (topic, partition, offset) already created a workflow is skipped as a duplicate (a
 * submission with an id is absorbed by the intake's idempotency anyway).
 */
final class SubmissionBatchProcessor implements BatchHandler {

    private static final Logger log = LoggerFactory.getLogger(SubmissionBatchProcessor.class);

    private final WorkflowIntake intake;
    private final SubmissionDeadLetters deadLetters;
    private final OffsetStore offsets;
    private final TransactionTemplate transactions;
    private final String groupId;
    private final long maxBytes;
    private final Isolation isolation;
    private final JdbcTemplate jdbc;
    private final Counter accepted;
    private final Counter duplicates;
    private final Counter deadLettered;
    private final Timer batchTimer;

    SubmissionBatchProcessor(
            WorkflowIntake intake,
            SubmissionDeadLetters deadLetters,
            OffsetStore offsets,
            TransactionTemplate transactions,
            String groupId,
            long maxBytes,
            Isolation isolation,
            MeterRegistry meters,
            JdbcTemplate jdbc) {
        this.intake = intake;
        this.deadLetters = deadLetters;
        this.offsets = offsets;
        this.transactions = transactions;
        this.groupId = groupId;
        this.maxBytes = maxBytes;
        this.isolation = isolation;
        this.jdbc = jdbc;
        this.accepted = records(meters, "accepted");
        this.duplicates = records(meters, "duplicate");
        this.deadLettered = records(meters, "dead_lettered");
        this.batchTimer = Timer.builder("tributary.submission.kafka-intake.batch")
                .description("One poll batch of the submissions topic validated and stored")
                .register(meters);
    }

    private static Counter records(MeterRegistry meters, String outcome) {
        return Counter.builder("tributary.submission.kafka-intake.records")
                .description("Submission records consumed from Kafka, by outcome")
                .tag("outcome", outcome)
                .register(meters);
    }

    @Override
    public Map<TopicPartition, Long> apply(
            List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored) {
        return handle(records, stored, false);
    }

    @Override
    public Map<TopicPartition, Long> replay(
            List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored) {
        return handle(records, stored, true);
    }

    private Map<TopicPartition, Long> handle(
            List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored, boolean replaying) {
        Timer.Sample sample = Timer.start();
        List<SubmissionRecord> decoded = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            decoded.add(SubmissionRecord.decode(record, intake, maxBytes));
        }
        if (replaying) {
            decoded = withoutAcceptedAnonymous(decoded);
        }
        Map<TopicPartition, Long> committed = isolation == Isolation.SAVEPOINT
                ? inOneTransaction(records, decoded, stored)
                : oneByOne(decoded, stored);
        sample.stop(batchTimer);
        return committed;
    }

    /**
     * Drops the submissions without an id whose record already created a workflow (the workflow
     * row keeps its origin); they would otherwise be accepted again under a new id.
     */
    private List<SubmissionRecord> withoutAcceptedAnonymous(List<SubmissionRecord> decoded) {
        List<Valid> anonymous = decoded.stream()
                .filter(Valid.class::isInstance)
                .map(Valid.class::cast)
                .filter(valid -> valid.submission().id() == null)
                .toList();
        if (anonymous.isEmpty()) {
            return decoded;
        }
        Set<String> accepted = new HashSet<>();
        Map<Integer, List<Valid>> byPartition = new HashMap<>();
        anonymous.forEach(valid -> byPartition
                .computeIfAbsent(valid.record().partition(), partition -> new ArrayList<>())
                .add(valid));
        byPartition.forEach((partition, records) -> accepted.addAll(jdbc.queryForList(
                "SELECT (origin ->> 'partition') || '@' || (origin ->> 'offset') FROM submission.workflow"
                        + " WHERE origin ->> 'channel' = 'KAFKA' AND origin ->> 'topic' = ?"
                        + " AND (origin ->> 'partition')::int = ? AND (origin ->> 'offset')::bigint BETWEEN ? AND ?",
                String.class,
                records.getFirst().record().topic(),
                partition,
                records.stream()
                        .mapToLong(valid -> valid.record().offset())
                        .min()
                        .orElseThrow(),
                records.stream()
                        .mapToLong(valid -> valid.record().offset())
                        .max()
                        .orElseThrow())));
        List<SubmissionRecord> kept = new ArrayList<>(decoded.size());
        for (SubmissionRecord record : decoded) {
            if (record instanceof Valid valid
                    && valid.submission().id() == null
                    && accepted.contains(
                            valid.record().partition() + "@" + valid.record().offset())) {
                duplicates.increment();
                log.debug(
                        "replay skips {}-{}@{}: it was accepted before",
                        valid.record().topic(),
                        valid.record().partition(),
                        valid.record().offset());
            } else {
                kept.add(record);
            }
        }
        return kept;
    }

    /**
     * The batch in one transaction. Optimistic first: without savepoints (they cost two round trips
     * per record); if the store refuses a record, that transaction rolls back having sent nothing, and
     * the batch is written again with a savepoint per record.
     */
    private Map<TopicPartition, Long> inOneTransaction(
            List<ConsumerRecord<String, byte[]>> records,
            List<SubmissionRecord> decoded,
            Map<TopicPartition, Long> stored) {
        try {
            return writeBatch(records, decoded, stored, false);
        } catch (RefusedWithoutSavepoint refused) {
            log.debug("a record of the batch was refused; writing the batch again with savepoints", refused);
            return writeBatch(records, decoded, stored, true);
        }
    }

    private Map<TopicPartition, Long> writeBatch(
            List<ConsumerRecord<String, byte[]>> records,
            List<SubmissionRecord> decoded,
            Map<TopicPartition, Long> stored,
            boolean savepoints) {
        Tally tally = new Tally();
        Map<TopicPartition, Long> next = transactions.execute(status -> {
            tally.reset();
            Map<TopicPartition, Long> advanced = offsets.advance(groupId, records, stored);
            List<Invalid> rejected = new ArrayList<>();
            for (SubmissionRecord record : decoded) {
                switch (record) {
                    case Invalid invalid -> rejected.add(invalid);
                    case Valid valid -> {
                        if (savepoints) {
                            storeBehindSavepoint(valid, status, tally, rejected);
                        } else {
                            storeOrAbort(valid, tally);
                        }
                    }
                }
            }
            // Last, so that a transaction that rolls back before this point has sent nothing.
            rejected.forEach(invalid -> reject(invalid.record(), invalid.rejection(), tally));
            return advanced;
        });
        if (next == null) {
            throw new IllegalStateException("batch transaction returned nothing");
        }
        tally.count(this);
        log.debug(
                "kafka intake batch of {}: {} accepted, {} duplicates, {} dead-lettered",
                decoded.size(),
                tally.accepted,
                tally.duplicates,
                tally.rejected);
        return next;
    }

    private void storeOrAbort(Valid valid, Tally tally) {
        try {
            tally.stored(intake.store(valid.submission(), valid.origin()).created());
        } catch (WorkflowConflictException | DataIntegrityViolationException e) {
            throw new RefusedWithoutSavepoint(e);
        }
    }

    private void storeBehindSavepoint(Valid valid, TransactionStatus status, Tally tally, List<Invalid> rejected) {
        Object savepoint = status.createSavepoint();
        Rejection refused;
        try {
            boolean created = intake.store(valid.submission(), valid.origin()).created();
            status.releaseSavepoint(savepoint);
            tally.stored(created);
            return;
        } catch (WorkflowConflictException e) {
            refused = conflict(e);
        } catch (DataIntegrityViolationException e) {
            refused = storageRejected(e);
        }
        status.rollbackToSavepoint(savepoint);
        rejected.add(new Invalid(valid.record(), refused));
    }

    /** The store refused a record in a transaction without savepoints: it must roll back whole. */
    private static final class RefusedWithoutSavepoint extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RefusedWithoutSavepoint(RuntimeException cause) {
            super(cause);
        }
    }

    private Map<TopicPartition, Long> oneByOne(List<SubmissionRecord> decoded, Map<TopicPartition, Long> stored) {
        Map<TopicPartition, Long> positions = new HashMap<>(stored);
        Map<TopicPartition, Long> next = new HashMap<>();
        for (SubmissionRecord record : decoded) {
            Tally tally = new Tally();
            List<ConsumerRecord<String, byte[]>> one = List.of(record.record());
            Rejection rejection = record instanceof Invalid invalid ? invalid.rejection() : null;
            Map<TopicPartition, Long> advanced = null;
            if (record instanceof Valid valid) {
                try {
                    advanced = transactions.execute(status -> {
                        Map<TopicPartition, Long> moved = offsets.advance(groupId, one, positions);
                        tally.stored(
                                intake.store(valid.submission(), valid.origin()).created());
                        return moved;
                    });
                } catch (WorkflowConflictException e) {
                    rejection = conflict(e);
                } catch (DataIntegrityViolationException e) {
                    rejection = storageRejected(e);
                }
            }
            if (rejection != null) {
                Rejection refused = rejection;
                advanced = transactions.execute(status -> {
                    Map<TopicPartition, Long> moved = offsets.advance(groupId, one, positions);
                    reject(record.record(), refused, tally);
                    return moved;
                });
            }
            if (advanced == null) {
                throw new IllegalStateException("record transaction returned nothing");
            }
            positions.putAll(advanced);
            next.putAll(advanced);
            tally.count(this);
        }
        return next;
    }

    private static Rejection conflict(WorkflowConflictException e) {
        return new Rejection(
                ReasonCode.CONFLICT,
                List.of(new FieldError(
                        "/id",
                        "names workflow \"" + e.workflowId() + "\", which was accepted with a different definition ("
                                + String.join("; ", e.differences()) + ")")),
                e);
    }

    private static Rejection storageRejected(DataIntegrityViolationException e) {
        Throwable root = e.getMostSpecificCause();
        String message = String.valueOf(root.getMessage()).lines().findFirst().orElse("");
        if (message.length() > 200) {
            message = message.substring(0, 200) + "…";
        }
        return new Rejection(
                ReasonCode.STORAGE_REJECTED, List.of(new FieldError("", "was refused by the database: " + message)), e);
    }

    private void reject(ConsumerRecord<String, byte[]> record, Rejection rejection, Tally tally) {
        deadLetters.reject(record, rejection);
        tally.rejected++;
    }

    /** Outcomes of one transaction, counted in the metrics only once it committed. */
    private static final class Tally {
        int accepted;
        int duplicates;
        int rejected;

        void stored(boolean created) {
            if (created) {
                accepted++;
            } else {
                duplicates++;
            }
        }

        void reset() {
            accepted = 0;
            duplicates = 0;
            rejected = 0;
        }

        void count(SubmissionBatchProcessor processor) {
            processor.accepted.increment(accepted);
            processor.duplicates.increment(duplicates);
            processor.deadLettered.increment(rejected);
        }
    }
}
