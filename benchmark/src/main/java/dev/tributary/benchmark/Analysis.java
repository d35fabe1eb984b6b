package dev.tributary.benchmark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Turns a step's workflows and the samples at its start, middle and end into a {@link Results.StepResult}. */
final class Analysis {

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ

    private Analysis() {}

    /**
     * The backlog of a step is flat when no submission was rejected and, in the second half of the
     * step, the number of workflows in flight (arrived, not finished) grew by at most {@code
     * tolerance} of that half's arrivals plus one second's worth of arrivals: completions keep up
     * with arrivals. The first half is left out because after a step up the in-flight count rises
     * to its new level ({@code rate × latency}) even when the system keeps up.
     *
     * @return an empty string when flat, else the reason
     */
    static String flat(
            double rate, long arrivals, long inFlightMid, long inFlightEnd, long rejected, double tolerance) {
        if (rejected > 0) {
            return rejected + " submissions rejected or failed";
        }
        double allowed = tolerance * arrivals / 2.0 + rate;
        if (inFlightEnd - inFlightMid > allowed) {
            return "in flight grew " + inFlightMid + " → " + inFlightEnd + " in the second half (allowed +"
                    + Math.round(allowed) + ")";
        }
        return "";
    }

    static Results.StepResult analyse(
            Step step,
            Workload workload,
            Results.Sample start,
            Results.Sample mid,
            Results.Sample end,
            List<Results.Sample> window,
            double tolerance) {
        Histogram http = new Histogram(3);
        Histogram clientDelay = new Histogram(3);
        Histogram dispatch = new Histogram(3);
        Histogram release = new Histogram(3);
        Histogram endToEnd = new Histogram(3);
        long failed = 0;
        long unfinished = 0;
        for (WorkflowRun run : step.runs) {
            WorkflowRun.Snapshot s = run.snapshot();
            if (s.answeredMicros() > 0 && s.sentMicros() > 0) {
                http.recordValue(Math.max(0, s.answeredMicros() - s.sentMicros()));
            }
            if (s.sentMicros() > 0) {
                clientDelay.recordValue(Math.max(0, s.sentMicros() - s.scheduledMicros()));
            }
            if (s.succeededMillis() > 0) {
                endToEnd.recordValue(Math.max(0, s.succeededMillis() - s.scheduledMicros() / 1000));
            } else if (s.finishedMillis() > 0) {
                failed++;
            } else {
                unfinished++;
            }
            for (int task = 0; task < workload.size(); task++) {
                long started = s.startedMillis()[task];
                if (started == 0) {
                    continue;
                }
                if (s.dispatchedMillis()[task] > 0) {
                    dispatch.recordValue(Math.max(0, started - s.dispatchedMillis()[task]));
                }
                List<Integer> parents = workload.parents().get(task);
                if (parents.isEmpty()) {
                    continue;
                }
                long latest = 0;
                for (int parent : parents) {
                    long done = s.taskSucceededMillis()[parent];
                    latest = done == 0 ? -1 : Math.max(latest, done);
                    if (latest < 0) {
                        break;
                    }
                }
                if (latest > 0) {
                    release.recordValue(Math.max(0, started - latest));
                }
            }
        }
        double seconds = Math.max(0.001, end.t() - start.t());
        long arrivals = step.scheduled.get();
        long completed = end.finished() - start.finished();
        long tasks = end.tasksSucceeded() - start.tasksSucceeded();
        long rejected = step.rejected.get();
        String reason = flat(step.rate, arrivals, mid.inFlight(), end.inFlight(), rejected, tolerance);
        Map<String, Double> cores = new LinkedHashMap<>();
        Map<String, Double> cpuPerTask = new LinkedHashMap<>();
        end.cpuTicks().forEach((process, ticks) -> {
            long used = ticks - start.cpuTicks().getOrDefault(process, ticks);
            cores.put(process, round2(used / TICKS_PER_SECOND / seconds));
            cpuPerTask.put(process, tasks == 0 ? Double.NaN : round2(used * (1000 / TICKS_PER_SECOND) / tasks));
        });
        return new Results.StepResult(
                step.name,
                step.rate,
                round2(seconds),
                arrivals,
                step.created.get(),
                rejected,
                step.delayedByClient.get(),
                completed,
                failed,
                unfinished,
                round2(completed / seconds),
                round2(tasks / seconds),
                start.inFlight(),
                mid.inFlight(),
                end.inFlight(),
                reason.isEmpty(),
                reason.isEmpty() ? "flat" : reason,
                Results.Percentiles.of(http, 1000),
                Results.Percentiles.of(clientDelay, 1000),
                Results.Percentiles.of(step.outboxMillis, 1),
                Results.Percentiles.of(dispatch, 1),
                Results.Percentiles.of(release, 1),
                Results.Percentiles.of(endToEnd, 1),
                cores,
                cpuPerTask,
                tasks == 0 ? Double.NaN : round2((end.xactCommit() - start.xactCommit()) / (double) tasks),
                tasks == 0 ? Double.NaN : round2((end.walBytes() - start.walBytes()) / (double) tasks),
                window.stream().mapToLong(Results.Sample::relayBacklog).max().orElse(-1),
                window.stream().mapToLong(Results.Sample::workerLag).max().orElse(-1),
                window.stream().mapToLong(Results.Sample::schedulerLag).max().orElse(-1),
                window.stream().mapToLong(Results.Sample::projectionLag).max().orElse(-1),
                end.loadAverage());
    }

    static double round2(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
