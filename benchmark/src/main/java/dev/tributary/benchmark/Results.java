package dev.tributary.benchmark;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/** The shapes of the JSON result (written with Jackson) and of the report's inputs. */
final class Results {

    private Results() {}

    /** Whole run. */
    record Run(
            String startedAt,
            String finishedAt,
            Machine machine,
            BenchmarkOptions options,
            String workload,
            int tasksPerWorkflow,
            @Nullable Baselines baselines,
            List<SystemRun> systems) {}

    record Machine(int cores, String jdk, String os, long memoryMb, double loadAverageStart, double loadAverageEnd) {}

    /** One system (relay mode) through all its steps. */
    record SystemRun(
            String mode,
            List<StepResult> steps,
            @Nullable Double maxFlatWorkflowsPerSecond,
            @Nullable Double maxFlatTasksPerSecond,
            List<Sample> timeline) {}

    /**
     * One load step.
     *
     * @param arrivals workflows scheduled in the step (open loop)
     * @param completedInStep workflows of any step that finished during this step's window
     * @param flat whether the backlog stayed flat (see {@link Analysis#flat})
     * @param cores average cores per process over the step
     * @param cpuMillisPerTask CPU milliseconds per completed task, per process
     */
    record StepResult(
            String name,
            double targetWorkflowsPerSecond,
            double seconds,
            long arrivals,
            long created,
            long rejected,
            long delayedByClient,
            long completedInStep,
            long failed,
            long unfinishedAfterDrain,
            double workflowsPerSecond,
            double tasksPerSecond,
            long inFlightStart,
            long inFlightMid,
            long inFlightEnd,
            boolean flat,
            String flatReason,
            Percentiles submissionHttp,
            Percentiles clientDelay,
            Percentiles outboxToKafka,
            Percentiles dispatch,
            Percentiles release,
            Percentiles endToEnd,
            Map<String, Double> cores,
            Map<String, Double> cpuMillisPerTask,
            double postgresCommitsPerTask,
            double walBytesPerTask,
            long maxRelayBacklog,
            long maxWorkerLag,
            long maxSchedulerLag,
            long maxProjectionLag,
            double loadAverage) {}

    /** Milliseconds. */
    record Percentiles(long count, double p50, double p90, double p99, double max) {

        static Percentiles of(Histogram histogram, double unitsPerMilli) {
            if (histogram.getTotalCount() == 0) {
                return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            return new Percentiles(
                    histogram.getTotalCount(),
                    round(histogram.getValueAtPercentile(50) / unitsPerMilli),
                    round(histogram.getValueAtPercentile(90) / unitsPerMilli),
                    round(histogram.getValueAtPercentile(99) / unitsPerMilli),
                    round(histogram.getMaxValue() / unitsPerMilli));
        }

        private static double round(double value) {
            return Math.round(value * 10) / 10.0;
        }
    }

    /**
     * One reading: counters are cumulative, latency percentiles cover the second before it (NaN
     * when nothing finished), {@code relayBacklog} is pending outbox rows (polling) or replication
     * slot bytes not yet confirmed (Debezium).
     */
    record Sample(
            double t,
            String step,
            double targetRate,
            long arrivals,
            long finished,
            long inFlight,
            long tasksSucceeded,
            Map<String, Long> cpuTicks,
            double endToEndP50,
            double endToEndP99,
            double releaseP50,
            double releaseP99,
            double outboxP99,
            long xactCommit,
            long walBytes,
            long relayBacklog,
            long workerLag,
            long schedulerLag,
            long projectionLag,
            double loadAverage) {}

    record Baselines(@Nullable PgBench pgbench, @Nullable KafkaRoundTrip kafka) {}

    record PgBench(int clients, int seconds, String script, double tps, double latencyAverageMs, String output) {}

    record KafkaRoundTrip(int messages, int bytes, Percentiles roundTrip, double messagesPerSecond) {}
}
