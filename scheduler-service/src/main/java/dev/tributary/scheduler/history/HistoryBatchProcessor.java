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
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Applies one poll batch of history records in one transaction: advance the stored offsets
 * (fenced, first, so that a competing consumer of the same partitions blocks or fails before any
 * work), decode, load every touched run once, fold each workflow's events in log order, save the
 * changed runs, write all decisions. Records that cannot be decoded or applied are dead-lettered
 * and their offsets still advance, so one bad record never stalls a partition.
 *
 * <p>Replay (a rebuild, {@link SchedulerRebuild}): the same fold, but the decisions are dropped —
 * the log already holds what they would emit — and bad records are only counted and logged (they
 * were dead-lettered when first consumed). When a partition caught up, {@link #caughtUp} persists
 * what every active run of that partition holds that the log does not show ({@link
 * WorkflowStateMachine#pending}).
 */
@Component
class HistoryBatchProcessor {

    private static final Logger log = LoggerFactory.getLogger(HistoryBatchProcessor.class);
    /** Runs loaded and caught up at a time. */
    private static final int CATCH_UP_CHUNK = 500;

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
    private final Counter replayed;
    private final Counter replayRejected;
    private final Timer batchTimer;
    private final JdbcTemplate jdbc;
    private final Clock clock;

    HistoryBatchProcessor(
            WorkflowStateMachine machine,
            RunRepository runs,
            OffsetStore offsets,
            DecisionWriter decisions,
            DeadLetters deadLetters,
            TransactionTemplate transactions,
            SchedulerProperties properties,
            MeterRegistry meters,
            JdbcTemplate jdbc) {
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
        this.replayed = records(meters, "replayed");
        this.replayRejected = records(meters, "replay_rejected");
        this.jdbc = jdbc;
        this.clock = Clock.systemUTC();
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
        return apply(records, stored, cache, false);
    }

    /**
     * Applies replayed records (below their partition's barrier) in one transaction: runs are
     * saved, decisions dropped, bad records counted and logged but not dead-lettered again.
     */
    Map<TopicPartition, Long> replay(
            List<ConsumerRecord<String, byte[]>> records, Map<TopicPartition, Long> stored, RunCache cache) {
        return apply(records, stored, cache, true);
    }

    private Map<TopicPartition, Long> apply(
            List<ConsumerRecord<String, byte[]>> records,
            Map<TopicPartition, Long> stored,
            RunCache cache,
            boolean replaying) {
        Committed committed;
        try {
            committed = batchTimer.record(() -> transactions.execute(status -> {
                Map<TopicPartition, Long> next = offsets.advance(groupId, records, stored);
                return new Committed(next, applyRecords(records, cache, replaying));
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

    /**
     * A partition caught up with its replay barrier: in one transaction, ends its replay ({@code
     * finishReplay}) and persists the pending decisions of every RUNNING or COMPENSATING run (or run
     * whose outcome is not on the log) whose
     * workflow id the relays send to that partition (key = workflow id, Kafka's default
     * partitioner). Releases re-issued so carry their attempt and idempotency key unchanged.
     *
     * @return how many runs had pending decisions
     */
    int caughtUp(TopicPartition partition, Runnable finishReplay, RunCache cache) {
        cache.clear();
        Integer written = transactions.execute(status -> {
            finishReplay.run();
            Integer partitions = jdbc.queryForObject(
                    "SELECT count(*) FROM scheduler.consumer_offset WHERE group_id = ? AND topic = ?",
                    Integer.class,
                    groupId,
                    partition.topic());
            if (partitions == null || partitions <= partition.partition()) {
                throw new IllegalStateException("the offsets of " + partition + " were not recorded by the rebuild");
            }
            List<WorkflowId> active = jdbc
                    .queryForList(
                            "SELECT workflow_id FROM scheduler.workflow_run WHERE status IN ('RUNNING', 'COMPENSATING')"
                                    + " OR (outcome_type IS NOT NULL AND NOT outcome_logged)",
                            String.class)
                    .stream()
                    .filter(id -> partitionOf(id, partitions) == partition.partition())
                    .map(WorkflowId::of)
                    .toList();
            Instant now = clock.instant();
            int withDecisions = 0;
            for (int from = 0; from < active.size(); from += CATCH_UP_CHUNK) {
                List<Traced> traced = new ArrayList<>();
                for (Loaded loaded : runs.load(active.subList(from, Math.min(active.size(), from + CATCH_UP_CHUNK)))
                        .values()) {
                    List<Decision> pending = machine.pending(loaded.run(), now);
                    if (!pending.isEmpty()) {
                        withDecisions++;
                    }
                    pending.forEach(decision -> traced.add(new Traced(decision, null)));
                }
                decisions.write(traced);
            }
            return withDecisions;
        });
        cache.clear();
        int runsWithDecisions = written == null ? 0 : written;
        log.info("{} caught up: pending decisions of {} active run(s) persisted", partition, runsWithDecisions);
        return runsWithDecisions;
    }

    /** The partition the relays' producers choose for a workflow's records (key = workflow id). */
    static int partitionOf(String workflowId, int partitions) {
        return Utils.toPositive(Utils.murmur2(workflowId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private List<Loaded> applyRecords(List<ConsumerRecord<String, byte[]>> records, RunCache cache, boolean replaying) {
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
                case Reject reject -> reject(record, reject.reason(), reject.error(), replaying);
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
                    reject(event.record(), "cannot apply: " + e, e, replaying);
                    continue;
                }
                run = transition.run();
                if (replaying) {
                    replayed.increment(); // its decisions are on the log already
                } else {
                    for (Decision decision : transition.decisions()) {
                        traced.add(new Traced(decision, event.traceparent()));
                    }
                    applied.increment();
                }
            }
            if (run != null && (before == null || run != before.run())) {
                saves.add(new Save(run, before));
            }
        });
        List<Loaded> saved = runs.saveAll(saves);
        decisions.write(traced);
        return saved;
    }

    private void reject(
            ConsumerRecord<String, byte[]> record, String reason, @Nullable Throwable error, boolean replaying) {
        if (replaying) {
            // Dead-lettered when it was first consumed: count it, do not send it again.
            log.debug(
                    "replay skips bad record {}-{}@{}: {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    reason);
            replayRejected.increment();
        } else {
            deadLetter(record, reason, error);
        }
    }

    private void deadLetter(ConsumerRecord<String, byte[]> record, String reason, @Nullable Throwable error) {
        deadLetters.reject(record, reason, error);
        deadLettered.increment();
    }
}
