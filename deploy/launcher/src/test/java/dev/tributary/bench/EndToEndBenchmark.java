package dev.tributary.bench;

import ch.qos.logback.classic.Level;
import dev.tributary.launcher.TributarySystem;
import dev.tributary.testsupport.TestInfra;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Not a test: measures the whole system (submission-service, scheduler-service, worker-service in
 * one JVM, embedded Kafka and PostgreSQL) from the outside, over HTTP and the history topic.
 *
 * <p>DAG phases (issue 3): after a warm-up, {@code workflows} workflows of {@code tasks} {@code
 * noop} tasks are submitted closed-loop ("max") or at a fixed rate, and the history topic's record
 * timestamps give throughput (first POST → last {@code WorkflowSucceeded}), end-to-end latency
 * (POST → {@code WorkflowSucceeded}) and the release latency: for every task with dependencies, its
 * latest parent's {@code TaskSucceeded} → its own {@code TaskStarted}, split at the {@code
 * TasksDispatched} record into the scheduler's part and the worker's pick-up.
 *
 * <p>Outbox phases (issue 2): with only submission-service running (by default), submissions at a
 * fixed rate; HTTP 201 → the {@code WorkflowAccepted} record's timestamp (CreateTime, stamped when
 * the relay hands it to its producer), POST → that timestamp (an upper bound of commit → Kafka),
 * and the relay's own {@code created_at} → acknowledgement timer. Then a ramp of rates for the
 * highest rate at which the relay keeps up.
 *
 * <p>Run: {@code ./mvnw -B -pl deploy/launcher -am -Pe2e-benchmark test-compile
 * -Dbenchmark.args="workflows=2000"}; options in {@link BenchOptions}.
 */
public final class EndToEndBenchmark {

    private final BenchOptions options;
    private final WorkflowShape shape;
    private final List<String> outboxRows = new ArrayList<>();
    private final List<String> summary = new ArrayList<>();
    private @Nullable CpuMeter cpu;

    private EndToEndBenchmark(BenchOptions options) {
        this.options = options;
        this.shape = WorkflowShape.of(options.text("shape"), options.number("tasks"), options.text("type"));
    }

    public static void main(String[] args) {
        // Quiet until Spring configures logging from the services' properties (logging.level.root).
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(Level.WARN);
        int status = 0;
        try {
            new EndToEndBenchmark(new BenchOptions(args)).run();
        } catch (Exception | Error e) {
            e.printStackTrace();
            status = 1;
        }
        // The embedded servers run on non-daemon threads.
        System.exit(status);
    }

    private void run() throws Exception {
        System.out.println("== Tributary end-to-end benchmark, "
                + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        System.out.printf(
                Locale.ROOT,
                "java %s, %d cores, max heap %d MB, load average at start: %s%n",
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                loadAverage());
        System.out.println("options: " + options.describe());
        System.out.println("workflow: " + shape.description());
        long started = System.nanoTime();
        TestInfra.kafka();
        cpu = new CpuMeter(TestInfra.postgres().adminDataSource());
        Map<String, String> properties = options.properties;
        try (BenchSystem system = new BenchSystem(
                        options.number("partitions"),
                        options.number("concurrency"),
                        properties,
                        options.serviceProperties);
                HistoryReader history =
                        new HistoryReader(system.infra.kafkaBootstrapServers(), system.eventsTopic, shape);
                Submitter submitter = new Submitter(system.submissionPort(), history, shape, system.name)) {
            System.out.printf(
                    Locale.ROOT,
                    "system started in %.1f s (database and topics %s), load average: %s%n",
                    (System.nanoTime() - started) / 1e9,
                    system.name,
                    loadAverage());
            dagPhases(submitter);
            if (options.flag("outbox")) {
                if (options.flag("outbox-only-submission")) {
                    system.services.stop(TributarySystem.WORKER);
                    system.services.stop(TributarySystem.SCHEDULER);
                    System.out.println("\nscheduler-service and worker-service stopped for the outbox phases");
                }
                RelayLagMeter relayLag =
                        new RelayLagMeter(system.services.context(TributarySystem.SUBMISSION), system.submissionOutbox);
                outboxPhases(submitter, relayLag);
            }
        }
        List<String> leftovers = Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(name -> name.contains("debezium") || name.contains("admin-client"))
                .sorted()
                .toList();
        if (!leftovers.isEmpty()) {
            System.out.println("\nthreads still running after the services closed: " + leftovers);
        }
        System.out.println("\n== Summary");
        summary.forEach(System.out::println);
        System.out.println("load average at end: " + loadAverage());
    }

    // ---------------------------------------------------------------- DAG phases (issue 3)

    private void dagPhases(Submitter submitter) throws InterruptedException {
        int warmup = options.number("warmup");
        if (warmup > 0) {
            Phase phase = new Phase("warmup");
            long start = System.nanoTime();
            submitter.closedLoop(phase, options.number("clients"), warmup, Duration.ofHours(1));
            boolean done = Phase.await(phase.finished, phase.created.get(), options.number("timeout"));
            System.out.printf(
                    Locale.ROOT,
                    "%nwarm-up: %d workflows %s in %.1f s, load average: %s%n",
                    phase.created.get(),
                    done ? "finished" : "NOT all finished",
                    (System.nanoTime() - start) / 1e9,
                    loadAverage());
        }
        for (double rate : options.rates("rates")) {
            Phase phase = new Phase(rate == 0 ? "dag-max" : String.format(Locale.ROOT, "dag-%.0f", rate));
            int count = options.number(rate == 0 ? "workflows" : "paced-workflows");
            CpuMeter.Sample cpuBefore = cpuSample();
            if (rate == 0) {
                submitter.closedLoop(phase, options.number("clients"), count, Duration.ofHours(1));
            } else {
                submitter.paced(phase, rate, count, options.number("max-in-flight"));
            }
            boolean done = Phase.await(phase.finished, phase.created.get(), options.number("timeout"));
            reportDag(
                    phase,
                    rate == 0
                            ? "closed loop, " + options.number("clients") + " clients"
                            : String.format(Locale.ROOT, "open loop at %.0f/s", rate),
                    done,
                    cpuUse(cpuBefore));
        }
    }

    private void reportDag(Phase phase, String how, boolean done, String cpuUse) {
        List<Submission.Snapshot> runs = phase.snapshots();
        long firstPost = Long.MAX_VALUE;
        long lastResponse = 0;
        long lastSucceeded = 0;
        Histogram endToEnd = histogram();
        Histogram release = histogram();
        Histogram scheduler = histogram();
        Histogram worker = histogram();
        Histogram admission = histogram();
        Histogram accepted = histogram();
        long missing = 0;
        for (Submission.Snapshot run : runs) {
            firstPost = Math.min(firstPost, run.postMicros());
            lastResponse = Math.max(lastResponse, run.responseMicros());
            if (run.status() != 201 || run.succeededMillis() == 0) {
                continue;
            }
            lastSucceeded = Math.max(lastSucceeded, run.succeededMillis() * 1_000);
            record(endToEnd, run.succeededMillis() * 1_000 - run.postMicros());
            if (run.acceptedMillis() != 0) {
                record(accepted, run.acceptedMillis() * 1_000 - run.responseMicros());
            }
            for (int task = 0; task < shape.size(); task++) {
                List<Integer> parents = shape.parents().get(task);
                long startedAt = run.startedMillis()[task];
                long dispatchedAt = run.dispatchedMillis()[task];
                if (parents.isEmpty()) {
                    if (startedAt != 0 && run.acceptedMillis() != 0) {
                        record(admission, (startedAt - run.acceptedMillis()) * 1_000);
                    }
                    continue;
                }
                long parentsDone = 0;
                for (int parent : parents) {
                    long parentDone = run.taskSucceededMillis()[parent];
                    parentsDone = parentDone == 0 ? Long.MAX_VALUE : Math.max(parentsDone, parentDone);
                }
                if (startedAt == 0 || dispatchedAt == 0 || parentsDone == Long.MAX_VALUE) {
                    missing++;
                    continue;
                }
                record(release, (startedAt - parentsDone) * 1_000);
                record(scheduler, (dispatchedAt - parentsDone) * 1_000);
                record(worker, (startedAt - dispatchedAt) * 1_000);
            }
        }
        long created = phase.created.get();
        long succeeded = phase.succeeded.get();
        double submitSeconds = (lastResponse - firstPost) / 1e6;
        double runSeconds = (lastSucceeded - firstPost) / 1e6;
        Histogram http = phase.httpMicros.getIntervalHistogram();
        System.out.printf(
                Locale.ROOT, "%n-- %s: %d workflows (%s), %s%n", phase.name, runs.size(), shape.description(), how);
        System.out.printf(
                Locale.ROOT,
                "   submitted   %d created (201), %d rejected, in %.1f s = %.1f submissions/s%n",
                created,
                phase.rejected.get(),
                submitSeconds,
                created / submitSeconds);
        System.out.printf(
                Locale.ROOT,
                "   finished    %d succeeded, %d failed%s; first POST → last WorkflowSucceeded %.1f s%n",
                succeeded,
                phase.failed.get(),
                done ? "" : " (TIMED OUT waiting for the rest)",
                runSeconds);
        double workflowsPerSecond = succeeded / runSeconds;
        double tasksPerSecond = succeeded * shape.size() / runSeconds;
        System.out.printf(
                Locale.ROOT, "   throughput  %.1f workflows/s, %.0f tasks/s%n", workflowsPerSecond, tasksPerSecond);
        System.out.printf(Locale.ROOT, "   %-58s %9s %9s %9s %8s%n", "latency (ms)", "p50", "p99", "max", "samples");
        row("HTTP POST → response", http);
        row("end-to-end: POST → WorkflowSucceeded", endToEnd);
        row("RELEASE: parent TaskSucceeded → child TaskStarted", release);
        row("  scheduler: parent TaskSucceeded → TasksDispatched", scheduler);
        row("  worker: TasksDispatched → TaskStarted", worker);
        row("admission: WorkflowAccepted → root TaskStarted", admission);
        row("201 response → WorkflowAccepted record", accepted);
        if (missing > 0) {
            System.out.println(
                    "   " + missing + " release samples lacked a record (a parent's result, the release or the start)");
        }
        String load = loadAverage();
        System.out.println("   cores used: " + cpuUse + "; load average after: " + load);
        summary.add(String.format(
                Locale.ROOT,
                "%-8s %5d wf: %6.1f workflows/s %6.0f tasks/s | HTTP p50 %s p99 %s | e2e p50 %s p99 %s"
                        + " | release p50 %s p99 %s | cores %s | load %s",
                phase.name,
                succeeded,
                workflowsPerSecond,
                tasksPerSecond,
                ms(http, 50),
                ms(http, 99),
                ms(endToEnd, 50),
                ms(endToEnd, 99),
                ms(release, 50),
                ms(release, 99),
                cpuUse,
                load));
    }

    // ---------------------------------------------------------------- outbox phases (issue 2)

    private void outboxPhases(Submitter submitter, RelayLagMeter relayLag) throws InterruptedException {
        int maxInFlight = options.number("max-in-flight");
        Phase warmup = new Phase("outbox-warmup");
        submitter.paced(warmup, 200, 600, maxInFlight);
        Phase.await(warmup.accepted, warmup.created.get(), options.number("timeout"));
        System.out.printf(
                Locale.ROOT,
                "%n-- outbox: HTTP submissions of the same workflow; WorkflowAccepted records on the history topic%n"
                        + "   201→rec: 201 response → record timestamp; POST→rec: request sent → record timestamp;"
                        + " relay: the relay's created_at → Kafka ack timer (bucket upper bounds); all ms%n");
        String header = String.format(
                Locale.ROOT,
                "   %-11s %7s %9s %7s %8s %8s %9s %9s %9s %9s %9s %18s %7s %s",
                "step",
                "target",
                "achieved",
                "created",
                "HTTP p50",
                "HTTP p99",
                "201→rec50",
                "201→rec99",
                "201→recMx",
                "POST→r50",
                "POST→r99",
                "relay p50/p99",
                "rec<201",
                "keeps up");
        System.out.println(header);
        outboxRows.add(header);
        int seconds = options.number("outbox-seconds");
        for (double rate : options.rates("outbox-rates")) {
            outboxStep(submitter, relayLag, rate, seconds, maxInFlight);
        }
        double best = 0;
        String limit = "every step kept up";
        for (double rate : options.rates("ramp")) {
            OutboxResult result = outboxStep(submitter, relayLag, rate, options.number("ramp-seconds"), maxInFlight);
            if (result.relayBehind()) {
                limit = "the relay fell behind at target " + target(rate);
                break;
            }
            best = Math.max(best, result.achieved());
            if (!result.keptUp()) {
                limit = String.format(
                        Locale.ROOT,
                        "HTTP submission saturated at %.0f/s (target %s) while the relay kept up",
                        result.achieved(),
                        target(rate));
                break;
            }
        }
        String verdict = String.format(
                Locale.ROOT, "highest sustained submissions/s with the relay keeping up: %.0f (%s)", best, limit);
        System.out.println("   " + verdict);
        summary.add("outbox phases (scheduler and worker stopped: " + options.flag("outbox-only-submission") + ")");
        outboxRows.forEach(summary::add);
        summary.add("   " + verdict);
    }

    /** One step's result: achieved 201s per second, whether the relay kept up, and why not. */
    private record OutboxResult(double achieved, boolean keptUp, boolean relayBehind) {}

    private OutboxResult outboxStep(
            Submitter submitter, RelayLagMeter relayLag, double rate, int seconds, int maxInFlight)
            throws InterruptedException {
        Phase phase = new Phase("outbox-" + target(rate));
        RelayLagMeter.Mark before = relayLag.mark();
        CpuMeter.Sample cpuBefore = cpuSample();
        if (rate == 0) {
            submitter.closedLoop(phase, options.number("clients"), Long.MAX_VALUE, Duration.ofSeconds(seconds));
        } else {
            submitter.paced(phase, rate, Math.round(rate * seconds), maxInFlight);
        }
        boolean drained = Phase.await(phase.accepted, phase.created.get(), options.number("timeout"));
        RelayLagMeter.Mark after = relayLag.mark();
        List<Submission.Snapshot> runs = phase.snapshots();
        long firstPost = Long.MAX_VALUE;
        long lastResponse = 0;
        long early = 0;
        Histogram afterResponse = histogram();
        Histogram afterPost = histogram();
        for (Submission.Snapshot run : runs) {
            firstPost = Math.min(firstPost, run.postMicros());
            lastResponse = Math.max(lastResponse, run.responseMicros());
            if (run.status() != 201 || run.acceptedMillis() == 0) {
                continue;
            }
            long sinceResponse = run.acceptedMillis() * 1_000 - run.responseMicros();
            if (sinceResponse < 0) {
                early++;
            }
            record(afterResponse, sinceResponse);
            record(afterPost, run.acceptedMillis() * 1_000 - run.postMicros());
        }
        Histogram http = phase.httpMicros.getIntervalHistogram();
        double achieved = phase.created.get() / ((lastResponse - firstPost) / 1e6);
        boolean rateMet = rate == 0 || achieved >= 0.95 * rate;
        boolean relayBehind =
                !drained || afterResponse.getValueAtPercentile(99) > options.number("keep-up-ms") * 1_000L;
        boolean keptUp = rateMet && !relayBehind && phase.rejected.get() == 0;
        String row = String.format(
                Locale.ROOT,
                "   %-11s %7s %9.1f %7d %8s %8s %9s %9s %9s %9s %9s %18s %7d %s",
                phase.name,
                target(rate),
                achieved,
                phase.created.get(),
                ms(http, 50),
                ms(http, 99),
                ms(afterResponse, 50),
                ms(afterResponse, 99),
                ms(afterResponse, 100),
                ms(afterPost, 50),
                ms(afterPost, 99),
                RelayLagMeter.percentiles(before, after),
                early,
                keptUp
                        ? "yes"
                        : "no (" + (relayBehind ? "relay behind" : rateMet ? "rejections" : "HTTP below target") + ")");
        String cpuUse = cpuUse(cpuBefore);
        System.out.println(row + "   cores " + cpuUse + ", load " + loadAverage());
        outboxRows.add(row + "   cores " + cpuUse);
        return new OutboxResult(achieved, keptUp, relayBehind);
    }

    // ---------------------------------------------------------------- helpers

    private static String target(double rate) {
        return rate == 0 ? "max" : String.format(Locale.ROOT, "%.0f", rate);
    }

    private CpuMeter.@Nullable Sample cpuSample() {
        return cpu == null ? null : cpu.sample();
    }

    private String cpuUse(CpuMeter.@Nullable Sample before) {
        CpuMeter.Sample after = cpuSample();
        return before == null || after == null ? "n/a" : CpuMeter.between(before, after);
    }

    private static Histogram histogram() {
        return new Histogram(3);
    }

    /** Records microseconds; a negative difference (clock resolution: record times are whole ms) counts as 0. */
    private static void record(Histogram histogram, long micros) {
        histogram.recordValue(Math.max(0, micros));
    }

    private static void row(String name, Histogram micros) {
        System.out.printf(
                Locale.ROOT,
                "   %-58s %9s %9s %9s %8d%n",
                name,
                ms(micros, 50),
                ms(micros, 99),
                ms(micros, 100),
                micros.getTotalCount());
    }

    private static String ms(Histogram micros, double percentile) {
        if (micros.getTotalCount() == 0) {
            return "-";
        }
        long value = percentile >= 100 ? micros.getMaxValue() : micros.getValueAtPercentile(percentile);
        return String.format(Locale.ROOT, "%.1f", value / 1e3);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
