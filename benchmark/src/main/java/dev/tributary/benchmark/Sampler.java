package dev.tributary.benchmark;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Takes a {@link Results.Sample} every second (and on demand at step boundaries): counters, CPU
 * ticks of every process, per-second latency percentiles, PostgreSQL commits and WAL position,
 * relay backlog, consumer lag.
 */
final class Sampler implements AutoCloseable {

    private final SystemUnderTest system;
    private final Postgres postgres;
    private final HistoryReader history;
    private final AtomicLong arrivals;
    private final Map<String, Long> pids;
    private final Admin admin;
    private final Connection database;
    private final Connection adminDatabase;
    private final long startNanos = System.nanoTime();
    private final List<Results.Sample> timeline = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String stepName = "start";
    private volatile double stepRate;
    private long lagCheckedNanos;
    private long workerLag;
    private long schedulerLag;
    private long projectionLag;
    private @Nullable Histogram e2eInterval;
    private @Nullable Histogram releaseInterval;
    private @Nullable Histogram outboxInterval;

    Sampler(
            SystemUnderTest system,
            Postgres postgres,
            HistoryReader history,
            AtomicLong arrivals,
            Map<String, Long> pids,
            String bootstrapServers)
            throws SQLException {
        this.system = system;
        this.postgres = postgres;
        this.history = history;
        this.arrivals = arrivals;
        this.pids = pids;
        this.admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers));
        this.database = postgres.connect(system.database);
        this.adminDatabase = postgres.connect("postgres");
        thread = new Thread(this::loop, "bench-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    void step(String name, double rate) {
        stepName = name;
        stepRate = rate;
    }

    private void loop() {
        long next = System.nanoTime();
        while (running) {
            next += TimeUnit.SECONDS.toNanos(1);
            Results.Sample sample = sample(true);
            synchronized (timeline) {
                timeline.add(sample);
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
        }
    }

    List<Results.Sample> timeline() {
        synchronized (timeline) {
            return List.copyOf(timeline);
        }
    }

    /**
     * A reading now. Only the once-a-second samples drain the per-second latency recorders; marks
     * at step boundaries leave them alone.
     */
    synchronized Results.Sample sample(boolean interval) {
        double t = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Long> ticks = new LinkedHashMap<>();
        pids.forEach((name, pid) -> ticks.put(name, ChildProcess.cpuTicks(pid)));
        ticks.put("postgres", postgres.cpuTicks());
        ticks.put("harness", ChildProcess.cpuTicks(ProcessHandle.current().pid()));
        double e2e50 = Double.NaN;
        double e2e99 = Double.NaN;
        double release50 = Double.NaN;
        double release99 = Double.NaN;
        double outbox99 = Double.NaN;
        if (interval) {
            e2eInterval = history.endToEndMillis.getIntervalHistogram(e2eInterval);
            releaseInterval = history.releaseMillis.getIntervalHistogram(releaseInterval);
            outboxInterval = history.outboxMillis.getIntervalHistogram(outboxInterval);
            if (e2eInterval.getTotalCount() > 0) {
                e2e50 = e2eInterval.getValueAtPercentile(50);
                e2e99 = e2eInterval.getValueAtPercentile(99);
            }
            if (releaseInterval.getTotalCount() > 0) {
                release50 = releaseInterval.getValueAtPercentile(50);
                release99 = releaseInterval.getValueAtPercentile(99);
            }
            if (outboxInterval.getTotalCount() > 0) {
                outbox99 = outboxInterval.getValueAtPercentile(99);
            }
        }
        long xact = -1;
        long wal = -1;
        long backlog = -1;
        try {
            xact = queryLong(
                    adminDatabase, "SELECT xact_commit FROM pg_stat_database WHERE datname = ?", system.database);
            wal = queryLong(adminDatabase, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint", null);
            backlog = system.mode.equals("polling")
                    ? queryLong(
                            database,
                            "SELECT (SELECT count(*) FROM submission.outbox) + (SELECT count(*) FROM scheduler.outbox)",
                            null)
                    : queryLong(
                            adminDatabase,
                            "SELECT coalesce(sum(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)), 0)::bigint"
                                    + " FROM pg_replication_slots WHERE database = ?",
                            system.database);
        } catch (SQLException e) {
            System.err.println("sampler: " + e.getMessage());
        }
        if (System.nanoTime() - lagCheckedNanos > TimeUnit.SECONDS.toNanos(2)) {
            lagCheckedNanos = System.nanoTime();
            readConsumerLag();
        }
        long arrived = arrivals.get();
        long finished = history.finishedWorkflows.get();
        return new Results.Sample(
                round(t),
                stepName,
                stepRate,
                arrived,
                finished,
                arrived - finished,
                history.succeededTasks.get(),
                ticks,
                e2e50,
                e2e99,
                release50,
                release99,
                outbox99,
                xact,
                wal,
                backlog,
                workerLag,
                schedulerLag,
                projectionLag,
                loadAverage());
    }

    private void readConsumerLag() {
        try {
            Map<TopicPartition, Long> ends = new LinkedHashMap<>();
            Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
            for (String topic :
                    List.of(system.eventsTopic, system.tasksPrefix + "noop", system.tasksPrefix + "sleep")) {
                for (int p = 0; p < partitions(topic); p++) {
                    request.put(new TopicPartition(topic, p), OffsetSpec.latest());
                }
            }
            ListOffsetsResult offsets = admin.listOffsets(request);
            for (var entry : offsets.all().get(5, TimeUnit.SECONDS).entrySet()) {
                ends.put(entry.getKey(), entry.getValue().offset());
            }
            long lag = 0;
            for (String type : List.of("noop", "sleep")) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                                system.workerGroupPrefix + type)
                        .partitionsToOffsetAndMetadata()
                        .get(5, TimeUnit.SECONDS);
                for (var entry : ends.entrySet()) {
                    if (entry.getKey().topic().equals(system.tasksPrefix + type)) {
                        OffsetAndMetadata at = committed.get(entry.getKey());
                        lag += entry.getValue() - (at == null ? 0 : at.offset());
                    }
                }
            }
            workerLag = lag;
            long eventsEnd = ends.entrySet().stream()
                    .filter(entry -> entry.getKey().topic().equals(system.eventsTopic))
                    .mapToLong(Map.Entry::getValue)
                    .sum();
            schedulerLag = eventsEnd - storedOffsets("scheduler.consumer_offset");
            projectionLag = eventsEnd - storedOffsets("submission.consumer_offset");
        } catch (Exception e) {
            System.err.println("sampler: consumer lag not read: " + e);
        }
    }

    private final Map<String, Integer> partitionCounts = new LinkedHashMap<>();

    private int partitions(String topic) throws Exception {
        Integer known = partitionCounts.get(topic);
        if (known == null) {
            known = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(10, TimeUnit.SECONDS)
                    .get(topic)
                    .partitions()
                    .size();
            partitionCounts.put(topic, known);
        }
        return known;
    }

    private long storedOffsets(String table) throws SQLException {
        return queryLong(
                database,
                "SELECT coalesce(sum(next_offset), 0)::bigint FROM " + table + " WHERE topic = ?",
                system.eventsTopic);
    }

    private static long queryLong(Connection connection, String sql, @Nullable String parameter) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setQueryTimeout(5);
            if (parameter != null) {
                statement.setString(1, parameter);
            }
            try (ResultSet result = statement.executeQuery()) {
                return result.next() ? result.getLong(1) : -1;
            }
        }
    }

    static double loadAverage() {
        try {
            String text = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"));
            return Double.parseDouble(text.split(" ")[0]);
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(2));
        try {
            database.close();
            adminDatabase.close();
        } catch (SQLException e) {
            // closing anyway
        }
    }
}
