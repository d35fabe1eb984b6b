package dev.tributary.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The benchmark (issue 8): starts PostgreSQL (embedded, a child process tree) and Kafka (a child
 * JVM), measures the baselines, then for each relay mode starts the three services as child JVMs
 * and drives open-loop load in steps, and writes {@code result.json} and {@code report.html} under
 * {@code benchmark/results/<timestamp>/}. Run it with {@code ./mvnw -B -pl benchmark -am
 * -Pbenchmark compile [-Dbenchmark.args="..."]}; docs/performance.md lists the options.
 */
public final class Benchmark {

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final BenchmarkOptions options;
    private final Path directory;
    private final Workload workload;

    private Benchmark(BenchmarkOptions options, Path directory) {
        this.options = options;
        this.directory = directory;
        this.workload =
                Workload.of(options.workload(), options.tasks(), options.type(), options.sleepMillis(), options.seed());
    }

    public static void main(String[] args) throws Exception {
        // The clients' INFO logging would bury the progress lines; the services log to their own files.
        if (org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
                instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.WARN);
        }
        BenchmarkOptions options = BenchmarkOptions.parse(args);
        Instant started = Instant.now();
        Path directory = Path.of(options.out(), STAMP.format(started)).toAbsolutePath();
        Files.createDirectories(directory);
        System.out.println("benchmark: results in " + directory);
        int code = 0;
        try {
            new Benchmark(options, directory).run(started);
        } catch (Exception | Error e) {
            e.printStackTrace();
            code = 1;
        }
        // Kafka and PostgreSQL clients leave non-daemon threads behind; the children are stopped.
        System.exit(code);
    }

    private void run(Instant started) throws Exception {
        double loadStart = Sampler.loadAverage();
        System.out.println("benchmark: workload " + workload.description() + "; load average " + loadStart);
        Path logs = directory.resolve("logs");
        try (Postgres postgres = new Postgres();
                ChildProcess kafka = ChildProcess.start(
                        "kafka", List.of("-Xmx1g"), KafkaBrokerMain.class.getName(), List.of(), logs, null)) {
            String bootstrap = kafka.awaitLogLine("BOOTSTRAP ", 300);
            System.out.println("benchmark: PostgreSQL on " + postgres.port() + ", Kafka on " + bootstrap);
            Results.Baselines baselines = null;
            if (options.baselines()) {
                System.out.println("benchmark: baselines (pgbench " + options.pgbenchSeconds() + " s, Kafka "
                        + options.kafkaRoundTrips() + " round trips)");
                baselines = new Results.Baselines(
                        Baselines.pgbench(postgres, options.pgbenchClients(), options.pgbenchSeconds(), directory),
                        Baselines.kafkaRoundTrip(bootstrap, options.kafkaRoundTrips()));
                System.out.println("benchmark: " + baselines);
            }
            List<Results.SystemRun> systems = new ArrayList<>();
            for (String mode : options.modes()) {
                try {
                    systems.add(runSystem(mode, postgres, kafka, bootstrap, logs));
                } catch (Exception e) {
                    System.err.println("benchmark: the " + mode + " run failed; going on with the next");
                    e.printStackTrace();
                }
                write(started, loadStart, baselines, systems);
            }
            Path html = write(started, loadStart, baselines, systems);
            System.out.println("benchmark: report " + html);
        }
    }

    private Path write(
            Instant started, double loadStart, Results.@Nullable Baselines baselines, List<Results.SystemRun> systems)
            throws IOException {
        Results.Run run = new Results.Run(
                started.toString(),
                Instant.now().toString(),
                new Results.Machine(
                        Runtime.getRuntime().availableProcessors(),
                        System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                        System.getProperty("os.name") + " " + System.getProperty("os.version"),
                        totalMemoryMb(),
                        loadStart,
                        Sampler.loadAverage()),
                options,
                workload.description(),
                workload.size(),
                baselines,
                List.copyOf(systems));
        JsonMapper json =
                JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        Files.writeString(directory.resolve("result.json"), json.writeValueAsString(run));
        Path html = directory.resolve("report.html");
        Files.writeString(html, HtmlReport.render(run));
        return html;
    }

    private Results.SystemRun runSystem(String mode, Postgres postgres, ChildProcess kafka, String bootstrap, Path logs)
            throws Exception {
        System.out.println("benchmark: starting the services with the " + mode + " relay");
        SystemUnderTest system = new SystemUnderTest(mode, bootstrap, postgres, options, logs);
        List<Results.StepResult> results = new ArrayList<>();
        List<Results.Sample> timeline;
        try (HistoryReader history = new HistoryReader(bootstrap, system.eventsTopic, workload, system.outboxSources);
                LoadGenerator generator = new LoadGenerator(
                        system.submissionPort(), history, workload, system.name, options.maxInFlight())) {
            Map<String, Long> pids = new LinkedHashMap<>();
            pids.put("kafka", kafka.pid());
            system.services.forEach((service, process) -> pids.put(service, process.pid()));
            try (Sampler sampler = new Sampler(system, postgres, history, generator.arrivals, pids, bootstrap)) {
                Step warmup = new Step("warmup", options.warmupRate(), false);
                sampler.step(warmup.name, warmup.rate);
                generator.run(warmup, options.warmupDuration());
                awaitFinished(history, generator, options.drain().toSeconds());

                List<ChildProcess> recorded = new ArrayList<>(system.services.values());
                recorded.add(kafka);
                if (options.jfr()) {
                    // The recordings cover the measured steps only.
                    for (ChildProcess process : recorded) {
                        String file = process.name.startsWith(mode) ? process.name : mode + "-" + process.name;
                        process.startRecording(directory.resolve(file + ".jfr"));
                    }
                }

                record Marks(Step step, Results.Sample start, Results.Sample end) {}
                List<Marks> marks = new ArrayList<>();
                int unflat = 0;
                for (double rate : options.rates()) {
                    Step step = new Step("step " + HtmlReport.format(rate) + "/s", rate, true);
                    sampler.step(step.name, rate);
                    Results.Sample start = sampler.sample(false);
                    generator.run(step, options.stepDuration());
                    Results.Sample end = sampler.sample(false);
                    marks.add(new Marks(step, start, end));
                    Results.Sample mid = middle(sampler.timeline(), start, end);
                    String reason = Analysis.flat(
                            rate,
                            step.scheduled.get(),
                            mid.inFlight(),
                            end.inFlight(),
                            step.rejected.get(),
                            options.flatTolerance());
                    System.out.printf(
                            Locale.ROOT,
                            "benchmark: %s %s: %d arrivals, %d completed, in flight %d → %d, load %.2f: %s%n",
                            mode,
                            step.name,
                            step.scheduled.get(),
                            end.finished() - start.finished(),
                            mid.inFlight(),
                            end.inFlight(),
                            end.loadAverage(),
                            reason.isEmpty() ? "flat" : reason);
                    if (!reason.isEmpty() && ++unflat >= options.stopAfterUnflat()) {
                        break;
                    }
                }
                if (options.jfr()) {
                    recorded.forEach(ChildProcess::stopRecording);
                }
                sampler.step("drain", 0);
                awaitFinished(history, generator, options.drain().toSeconds());
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
                timeline = sampler.timeline();
                for (Marks mark : marks) {
                    List<Results.Sample> window = timeline.stream()
                            .filter(s -> s.t() >= mark.start().t()
                                    && s.t() <= mark.end().t())
                            .toList();
                    results.add(Analysis.analyse(
                            mark.step(),
                            workload,
                            mark.start(),
                            middle(timeline, mark.start(), mark.end()),
                            mark.end(),
                            window,
                            options.flatTolerance()));
                }
            }
        } finally {
            system.close();
            dropSlots(postgres, system.database);
        }
        // The highest rate of the unbroken run of flat steps from the lowest rate up.
        Double maxFlat = null;
        Double maxFlatTasks = null;
        for (Results.StepResult step : results) {
            if (!step.flat()) {
                break;
            }
            maxFlat = step.targetWorkflowsPerSecond();
            maxFlatTasks = step.tasksPerSecond();
        }
        Results.SystemRun run = new Results.SystemRun(mode, results, maxFlat, maxFlatTasks, timeline);
        System.out.println("benchmark: " + mode + ": highest flat rate " + maxFlat + " workflows/s (" + maxFlatTasks
                + " tasks/s)");
        return run;
    }

    private static Results.Sample middle(List<Results.Sample> timeline, Results.Sample start, Results.Sample end) {
        double t = (start.t() + end.t()) / 2;
        Results.Sample best = start;
        for (Results.Sample sample : timeline) {
            if (Math.abs(sample.t() - t) < Math.abs(best.t() - t)) {
                best = sample;
            }
        }
        return best;
    }

    private static void awaitFinished(HistoryReader history, LoadGenerator generator, long timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (history.finishedWorkflows.get() < generator.arrivals.get() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    /** The Debezium relay's slots would keep WAL for the rest of the run. */
    private static void dropSlots(Postgres postgres, String database) {
        try (Connection connection = postgres.connect("postgres");
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                                + " WHERE database = ? AND NOT active")) {
            statement.setString(1, database);
            statement.execute();
        } catch (SQLException e) {
            System.err.println("benchmark: slots of " + database + " not dropped: " + e.getMessage());
        }
    }

    private static long totalMemoryMb() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize() / (1024 * 1024);
        }
        return -1;
    }
}
