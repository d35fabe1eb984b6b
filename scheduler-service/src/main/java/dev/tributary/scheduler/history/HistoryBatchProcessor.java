package dev.tributary.scheduler.history;

import dev.tributary.consumer.DeadLetters;
import dev.tributary.consumer.OffsetStore;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.scheduler.SchedulerProperties;
import dev.tributary.scheduler.dag.Decision;
import dev.tributary.scheduler.dag.Transition;
import dev.tributary.scheduler.dag.WorkflowRun;
import dev.tributary.scheduler.dag.WorkflowStateMachine;
import dev.tributary.scheduler.history.DecisionWriter.Traced;
import dev.tributary.scheduler.history.HistoryRecord.Event;
import dev.tributary.scheduler.history.HistoryRecord.Reject;
import dev.tributary.scheduler.history.HistoryRecord.Skip;
import dev.tributary.scheduler.history.RunRepository.Loaded;
import dev.tributary.scheduler.history.RunRepository.Save;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Applies one poll batch of history records in one transaction: advance the stored offsets
 * (fenced, first, so that a competing consumer of the same partitions blocks or fails before any
 * work), decode, load every touched run once, fold each workflow's events in log order, save the
 * changed runs, write all decisions. Records that cannot be decoded or applied are dead-lettered
 * and their offsets still advance, so one bad record never stalls a partition.
 */
@Component
class HistoryBatchProcessor {

    private static final Logger log = LoggerFactory.getLogger(HistoryBatchProcessor.class);

    private final WorkflowStateMachine machine;
    private final RunRepository runs;
    private final OffsetStore offsets;
    private final DecisionWriter decisions;
    private final DeadLetters deadLetters;
    private final TransactionTemplate transactions;
    private final String groupId;
    private final Counter applied;
    private final Counter skipped;
    private final Counter deadLettered;
    private final Timer batchTimer;

    HistoryBatchProcessor(
            WorkflowStateMachine machine,
            RunRepository runs,
            OffsetStore offsets,
            DecisionWriter decisions,
            DeadLetters deadLetters,
            TransactionTemplate transactions,
            SchedulerProperties properties,
            MeterRegistry meters) {
        this.machine = machine;
        this.runs = runs;
        this.offsets = offsets;
        this.decisions = decisions;
        this.deadLetters = deadLetters;
        this.transactions = transactions;
        this.groupId = properties.consumerGroup();
        this.applied = records(meters, "applied");
        this.skipped = records(meters, "skipped");
        this.deadLettered = records(meters, "dead_lettered");
        this.batchTimer = Timer.builder("tributary.scheduler.batch")
                .description("One poll batch of the history log applied in one transaction")
                .register(meters);
    }

    private static Counter records(MeterRegistry meters, String outcome) {
        return Counter.builder("tributary.scheduler.records")
                .description("History records consumed, by outcome")
                .tag("outcome", outcome)
                .register(meters);
    }

    /** What a committed batch stored. */
    private record Committed(Map<TopicPartition, Long> offsets, List<Loaded> runs) {}

    /**
     * Applies the records in one transaction.
     *
     * @param stored the offset the store holds per partition ({@link OffsetStore#NONE} for none);
     *     must cover every partition of the batch
     * @param cache the calling consumer's runs; updated after the commit, cleared on failure
     * @return the offsets stored for the batch's partitions once it committed
     */
    Map<TopicPartition, Long> apply(
            List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored, RunCache cache) {
        Committed committed;
        try {
            committed = batchTimer.record(() -> transactions.execute(status -> {
                Map<TopicPartition, Long> next = offsets.advance(groupId, records, stored);
                return new Committed(next, applyRecords(records, cache));
            }));
        } catch (RuntimeException e) {
            cache.clear();
            throw e;
        }
        if (committed == null) {
            throw new IllegalStateException("batch transaction returned nothing");
        }
        committed.runs().forEach(cache::put);
        return committed.offsets();
    }

    private List<Loaded> applyRecords(List<ConsumerRecord<String, byte[]>> records, RunCache cache) {
        Map<WorkflowId, List<Event>> byWorkflow = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            switch (HistoryRecord.decode(record)) {
                case Event event ->
                    byWorkflow
                            .computeIfAbsent(event.event().workflowId(), id -> new ArrayList<>())
                            .add(event);
                case Skip skip -> {
                    log.debug(
                            "skipping {}-{}@{}: {}",
                            record.topic(),
                            record.partition(),
                            record.offset(),
                            skip.reason());
                    skipped.increment();
                }
                case Reject reject -> deadLetter(record, reject.reason(), reject.error());
            }
        }
        if (byWorkflow.isEmpty()) {
            return List.of();
        }
        Map<WorkflowId, Loaded> loaded = new HashMap<>();
        List<WorkflowId> misses = new ArrayList<>();
        for (WorkflowId id : byWorkflow.keySet()) {
            Loaded cached = cache.get(id);
            if (cached == null) {
                misses.add(id);
            } else {
                loaded.put(id, cached);
            }
        }
        loaded.putAll(runs.load(misses));
        List<Save> saves = new ArrayList<>();
        List<Traced> traced = new ArrayList<>();
        byWorkflow.forEach((workflowId, events) -> {
            Loaded before = loaded.get(workflowId);
            WorkflowRun run = before == null ? null : before.run();
            for (Event event : events) {
                Transition transition;
                try {
                    transition = machine.apply(run, event.event());
                } catch (RuntimeException e) {
                    // A bug or an event the machine cannot take: keep the state before it.
                    deadLetter(event.record(), "cannot apply: " + e, e);
                    continue;
                }
                run = transition.run();
                for (Decision decision : transition.decisions()) {
                    traced.add(new Traced(decision, event.traceparent()));
                }
                applied.increment();
            }
            if (run != null && (before == null || run != before.run())) {
                saves.add(new Save(run, before));
            }
        });
        List<Loaded> saved = runs.saveAll(saves);
        decisions.write(traced);
        return saved;
    }

    private void deadLetter(ConsumerRecord<String, byte[]> record, String reason, @Nullable Throwable error) {
        deadLetters.reject(record, reason, error);
        deadLettered.increment();
    }
}
