package dev.tributary.submission.projection;

import dev.tributary.consumer.BatchHandler;
import dev.tributary.consumer.DeadLetters;
import dev.tributary.consumer.OffsetStore;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TaskFailed;
import dev.tributary.events.history.WorkflowEvent.TaskRetryDue;
import dev.tributary.events.history.WorkflowEvent.TaskTimedOut;
import dev.tributary.submission.projection.HistoryRecord.Event;
import dev.tributary.submission.projection.HistoryRecord.Reject;
import dev.tributary.submission.projection.HistoryRecord.Skip;
import dev.tributary.submission.projection.ProjectionStore.Save;
import dev.tributary.submission.projection.ProjectionStore.StoredEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Applies one poll batch of history records in one transaction: advance the stored offsets (fenced,
 * first, so that a competing consumer of the same partitions blocks or fails before any work),
 * decode, drop events whose {@code ce_id} is already in the history, load every touched workflow
 * once, fold each workflow's events in log order through {@link ProjectionRules}, write the changed
 * rows and the new history entries. Records that cannot be decoded are dead-lettered and their
 * offsets still advance, so one bad record never stalls a partition.
 */
class ProjectionBatchProcessor implements BatchHandler {

    private static final Logger log = LoggerFactory.getLogger(ProjectionBatchProcessor.class);

    private final ProjectionRules rules;
    private final ProjectionStore store;
    private final OffsetStore offsets;
    private final DeadLetters deadLetters;
    private final TransactionTemplate transactions;
    private final String groupId;
    private final Counter applied;
    private final Counter duplicates;
    private final Counter ignored;
    private final Counter skipped;
    private final Counter deadLettered;
    private final Counter replayRejected;
    private final Timer batchTimer;

    ProjectionBatchProcessor(
            ProjectionRules rules,
            ProjectionStore store,
            OffsetStore offsets,
            DeadLetters deadLetters,
            TransactionTemplate transactions,
            String groupId,
            MeterRegistry meters) {
        this.rules = rules;
        this.store = store;
        this.offsets = offsets;
        this.deadLetters = deadLetters;
        this.transactions = transactions;
        this.groupId = groupId;
        this.applied = records(meters, "applied");
        this.duplicates = records(meters, "duplicate");
        this.ignored = records(meters, "unknown_workflow");
        this.skipped = records(meters, "skipped");
        this.deadLettered = records(meters, "dead_lettered");
        this.replayRejected = records(meters, "replay_rejected");
        this.batchTimer = Timer.builder("tributary.submission.projection.batch")
                .description("One poll batch of the history log projected in one transaction")
                .register(meters);
    }

    private static Counter records(MeterRegistry meters, String outcome) {
        return Counter.builder("tributary.submission.projection.records")
                .description("History records consumed by the status projection, by outcome")
                .tag("outcome", outcome)
                .register(meters);
    }

    @Override
    public Map<TopicPartition, Long> apply(
            List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored) {
        return apply(records, stored, false);
    }

    /**
     * A rebuild's replay ({@link ProjectionRebuild}): the same fold, but records that cannot be
     * applied are only counted and logged; they were dead-lettered when first consumed.
     */
    @Override
    public Map<TopicPartition, Long> replay(
            List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored) {
        return apply(records, stored, true);
    }

    private Map<TopicPartition, Long> apply(
            List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored, boolean replaying) {
        Map<TopicPartition, Long> committed = batchTimer.record(() -> transactions.execute(status -> {
            Map<TopicPartition, Long> next = offsets.advance(groupId, records, stored);
            applyRecords(records, replaying);
            return next;
        }));
        if (committed == null) {
            throw new IllegalStateException("batch transaction returned nothing");
        }
        return committed;
    }

    private void applyRecords(List<ConsumerRecord<String, byte[]>> records, boolean replaying) {
        List<Event> events = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            switch (HistoryRecord.decode(record)) {
                case Event event -> events.add(event);
                case Skip skip -> {
                    log.debug(
                            "skipping {}-{}@{}: {}",
                            record.topic(),
                            record.partition(),
                            record.offset(),
                            skip.reason());
                    skipped.increment();
                }
                case Reject reject -> reject(record, reject.reason(), reject.error(), replaying);
            }
        }
        if (events.isEmpty()) {
            return;
        }
        Set<UUID> known = store.knownEventIds(
                events.stream().map(event -> event.envelope().id()).toList());
        Map<String, List<Event>> byWorkflow = new LinkedHashMap<>();
        Set<String> needDefinition = new HashSet<>();
        for (Event event : events) {
            if (!known.add(event.envelope().id())) {
                duplicates.increment(); // seen in an earlier batch, or earlier in this one
                continue;
            }
            byWorkflow
                    .computeIfAbsent(event.workflowId(), id -> new ArrayList<>())
                    .add(event);
            if (event.event() instanceof TaskFailed
                    || event.event() instanceof TaskTimedOut
                    || event.event() instanceof TaskRetryDue) {
                // the forecast of a retry needs the policy, skipping downstream tasks the dependencies
                needDefinition.add(event.workflowId());
            }
        }
        Map<String, ProjectedWorkflow> loaded = store.load(byWorkflow.keySet(), needDefinition);
        List<Save> saves = new ArrayList<>();
        List<StoredEvent> history = new ArrayList<>();
        byWorkflow.forEach((workflowId, workflowEvents) -> {
            ProjectedWorkflow before = loaded.get(workflowId);
            ProjectedWorkflow current = before;
            for (Event event : workflowEvents) {
                try {
                    current = rules.apply(current, event.event());
                } catch (RuntimeException e) {
                    // A bug or an event the rules cannot take: keep the state before it.
                    reject(event.record(), "cannot apply: " + e, e, replaying);
                    continue;
                }
                if (current == null) {
                    ignored.increment(); // about a workflow this projection does not know
                    continue;
                }
                history.add(stored(event));
                applied.increment();
            }
            if (current != null && current != before) {
                saves.add(new Save(before, current));
            }
        });
        store.save(saves);
        store.insertEvents(history);
    }

    private static StoredEvent stored(Event event) {
        ConsumerRecord<String, byte[]> record = event.record();
        WorkflowEvent payload = event.event();
        return new StoredEvent(
                payload.workflowId().value(),
                event.envelope().id(),
                event.envelope().type(),
                event.envelope().source(),
                event.envelope().time(),
                new String(record.value(), StandardCharsets.UTF_8),
                record.partition(),
                record.offset());
    }

    private void reject(
            ConsumerRecord<String, byte[]> record, String reason, @Nullable Throwable error, boolean replaying) {
        if (replaying) {
            log.debug(
                    "replay skips bad record {}-{}@{}: {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    reason);
            replayRejected.increment();
            return;
        }
        deadLetters.reject(record, reason, error);
        deadLettered.increment();
    }
}
