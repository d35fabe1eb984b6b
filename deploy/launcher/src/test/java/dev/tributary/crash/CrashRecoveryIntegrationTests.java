package dev.tributary.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.embedded.EmbeddedKafkaBroker;
import dev.tributary.embedded.EmbeddedPostgresServer;
import dev.tributary.events.Topics;
import dev.tributary.launcher.LauncherSettings;
import dev.tributary.launcher.TributaryLauncher;
import dev.tributary.launcher.TributarySystem;
import dev.tributary.testsupport.TestInfra;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The system as separate processes survives crashes: two submission-services (their outbox relays
 * compete for one leader lock), one scheduler-service and two worker-services run as child JVMs
 * through the launcher's one-service mode, against a PostgreSQL and a Kafka broker that this test
 * owns and can restart on the same data. 500 workflows ({@link Shape}) are submitted in five
 * waves; right after each wave, once workflows visibly finish, one fault is injected:
 *
 * <ol>
 *   <li>kill -9 of the scheduler, then a start;
 *   <li>kill -9 of a worker while one of its sleep handlers runs, then a start;
 *   <li>kill -9 of the submission-service holding the relay leadership, then a start;
 *   <li>PostgreSQL stopped and started on the same data;
 *   <li>the Kafka broker stopped and started on the same logs.
 * </ol>
 *
 * Each fault waits until everything submitted so far has finished, so the next one hits a system
 * that recovered. At the end every workflow must have ended as designed, in the API and in the
 * history topic, which {@link HistoryAudit} checks for duplicate releases and gaps. The recovery
 * time of each fault is printed and written to {@code target/crash-recovery.txt}; it is measured,
 * never asserted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrashRecoveryIntegrationTests {

    private static final int WAVE = 100;
    private static final Duration STARTUP = Duration.ofSeconds(240);
    private static final Duration DRAIN = Duration.ofSeconds(360);

    private final Path data = Path.of("target", "crash-recovery-data").toAbsolutePath();
    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
    private final Map<String, Shape> workflows = new ConcurrentHashMap<>();
    private final List<String> submitted = new ArrayList<>();
    private final List<Recovery> recoveries = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final JsonMapper json = JsonMapper.builder().build();
    private final AtomicInteger failedPosts = new AtomicInteger();

    private int postgresPort;
    private @Nullable EmbeddedPostgresServer postgres;
    private @Nullable EmbeddedKafkaBroker kafka;
    private @Nullable HistoryLog history;

    /** One fault and how long the system took to get over it. */
    record Recovery(
            String fault,
            long faultAt,
            long restoredAt,
            int backlog,
            @Nullable Long firstFinishedAt,
            @Nullable Long drainedAt) {

        String line() {
            return "%-44s backlog %3d  down %6.1f s  first finished after %6s s  backlog drained after %6s s"
                    .formatted(
                            fault, backlog, (restoredAt - faultAt) / 1e3, seconds(firstFinishedAt), seconds(drainedAt));
        }

        private String seconds(@Nullable Long at) {
            return at == null ? "-" : "%.1f".formatted((at - faultAt) / 1e3);
        }
    }

    @BeforeAll
    void startSystem() throws IOException {
        FileSystemUtils.deleteRecursively(data);
        Files.createDirectories(data);
        postgresPort = TestInfra.freePort();
        postgres = EmbeddedPostgresServer.start(postgresPort, data.resolve("postgres"));
        postgres.createDatabase(LauncherSettings.DATABASE);
        kafka = EmbeddedKafkaBroker.builder()
                .port(TestInfra.freePort())
                .controllerPort(TestInfra.freePort())
                .dataDirectory(data.resolve("kafka"))
                .defaultPartitions(3)
                .build()
                .start();

        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("TRIBUTARY_HOME", data.resolve("home").toString());
        environment.put("TRIBUTARY_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        environment.put("TRIBUTARY_DATASOURCE_URL", postgres.jdbcUrl(LauncherSettings.DATABASE));
        environment.put("TRIBUTARY_DATASOURCE_USERNAME", postgres.username());
        environment.put("TRIBUTARY_DATASOURCE_PASSWORD", postgres.password());
        environment.put("TRIBUTARY_PARTITIONS", "3");
        kafka.createTopics(new TributaryLauncher(LauncherSettings.fromEnvironment(environment)).topics());
        history = new HistoryLog(kafka.bootstrapServers(), Topics.WORKFLOW_EVENTS);

        Map<String, String> common = new LinkedHashMap<>();
        common.put("springdoc.api-docs.enabled", "false");
        common.put("springdoc.swagger-ui.enabled", "false");
        common.put("tributary.worker.concurrency", "4");
        Path logs = data.resolve("logs");
        add(new ServiceProcess(
                "submission-1", TributarySystem.SUBMISSION, TestInfra.freePort(), environment, common, logs));
        add(new ServiceProcess(
                "submission-2", TributarySystem.SUBMISSION, TestInfra.freePort(), environment, common, logs));
        add(new ServiceProcess(
                "scheduler", TributarySystem.SCHEDULER, TestInfra.freePort(), environment, common, logs));
        for (String worker : List.of("worker-1", "worker-2")) {
            Map<String, String> properties = new LinkedHashMap<>(common);
            properties.put("tributary.worker.id", worker);
            add(new ServiceProcess(
                    worker, TributarySystem.WORKER, TestInfra.freePort(), environment, properties, logs));
        }
        // Submission and scheduler run Liquibase on one database: the first submission-service
        // creates the shared tables, then the others start together.
        service("submission-1").start().awaitHealthy(STARTUP);
        services.values().stream().filter(service -> !service.isAlive()).forEach(ServiceProcess::start);
        services.values().forEach(service -> service.awaitHealthy(STARTUP));
    }

    private void add(ServiceProcess service) {
        services.put(service.name, service);
    }

    private ServiceProcess service(String name) {
        return Objects.requireNonNull(services.get(name), name);
    }

    @AfterAll
    void stopEverything() {
        services.values().forEach(ServiceProcess::kill);
        if (history != null) {
            history.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        http.close();
        // The logs stay for a look after a failure; the data folders are large.
        FileSystemUtils.deleteRecursively(data.resolve("postgres").toFile());
        FileSystemUtils.deleteRecursively(data.resolve("kafka").toFile());
    }

    @Test
    void everyWorkflowEndsAsDesignedAndTheHistoryHasNoGapsAfterKillsAndRestarts() throws IOException {
        fault("a. kill -9 scheduler, start it", () -> {}, () -> restart(service("scheduler")));

        ServiceProcess[] busyWorker = new ServiceProcess[1];
        fault(
                "b. kill -9 a worker mid-task, start it",
                () -> busyWorker[0] = workerRunningASleep(),
                () -> restart(Objects.requireNonNull(busyWorker[0])));

        ServiceProcess[] leader = new ServiceProcess[1];
        fault(
                "c. kill -9 submission relay leader, start it",
                () -> leader[0] = relayLeader(),
                () -> restart(Objects.requireNonNull(leader[0])));

        fault("d. restart PostgreSQL (same data)", () -> {}, () -> {
            Objects.requireNonNull(postgres).close();
            postgres = EmbeddedPostgresServer.start(postgresPort, data.resolve("postgres"));
        });

        fault("e. restart Kafka broker (same logs)", () -> {}, () -> {
            EmbeddedKafkaBroker broker = Objects.requireNonNull(kafka);
            broker.stop();
            broker.start();
        });

        List<String> report = new ArrayList<>();
        report.add("Crash recovery: %d workflows, %d POSTs retried on the other instance or later"
                .formatted(submitted.size(), failedPosts.get()));
        recoveries.forEach(recovery -> report.add(recovery.line()));

        Map<String, String> statuses = awaitApiStatuses();
        List<String> problems = new ArrayList<>();
        Map<Integer, Map<String, Integer>> duplicates = new TreeMap<>();
        Map<Integer, Integer> reexecutions = new TreeMap<>();
        for (String id : submitted) {
            Shape shape = Objects.requireNonNull(workflows.get(id));
            HistoryAudit.Result result = HistoryAudit.audit(id, shape, history().entries(id));
            int wave = wave(id);
            problems.addAll(result.problems());
            result.duplicates()
                    .forEach((type, count) -> duplicates
                            .computeIfAbsent(wave, w -> new TreeMap<>())
                            .merge(type, count, Integer::sum));
            reexecutions.merge(wave, result.reexecutions(), Integer::sum);
            if (!shape.expectedStatus().equals(statuses.get(id))) {
                problems.add(id + " (" + shape + "): API status " + statuses.get(id) + ", expected "
                        + shape.expectedStatus());
            }
        }
        report.add("history, by the wave the workflows belong to (duplicate = same ce_id delivered again, not a"
                + " second decision; re-executed = an ended attempt run again by a worker):");
        for (int wave = 1; wave <= recoveries.size(); wave++) {
            report.add("  wave %d (%s): duplicates %s, re-executed attempts %d"
                    .formatted(
                            wave,
                            recoveries.get(wave - 1).fault().substring(0, 1),
                            duplicates.getOrDefault(wave, Map.of()),
                            reexecutions.getOrDefault(wave, 0)));
        }
        report.add("records without headers or not decodable: " + history().undecodable());
        report.add("problems: " + problems.size());
        problems.stream().limit(50).forEach(problem -> report.add("  " + problem));
        String text = String.join(System.lineSeparator(), report) + System.lineSeparator();
        System.out.print(text);
        Files.writeString(Path.of("target", "crash-recovery.txt"), text, StandardCharsets.UTF_8);

        assertThat(submitted).hasSize(5 * WAVE);
        assertThat(problems)
                .as("what the history and the API show after the faults%n%s", String.join("\n", diagnose(problems)))
                .isEmpty();
    }

    /**
     * What a failure needs to be understood from CI's output alone, for the first workflows with a
     * problem: their history as read (partition, offset, time, ce_id, event) and the outbox rows
     * both services wrote for them, each history row marked when its ce_id was not read from the log
     * (relay or reader lost it) — the relayed rows are kept for the outbox retention (24 h).
     */
    private List<String> diagnose(List<String> problems) {
        List<String> lines = new ArrayList<>();
        List<String> ids = problems.stream()
                .map(problem -> problem.split("[: ]", 2)[0])
                .distinct()
                .limit(5)
                .toList();
        EmbeddedPostgresServer server = Objects.requireNonNull(postgres);
        try (Connection connection = DriverManager.getConnection(
                server.jdbcUrl(LauncherSettings.DATABASE), server.username(), server.password())) {
            for (String id : ids) {
                Set<String> read = new HashSet<>();
                lines.add("history of " + id + " as read:");
                for (HistoryLog.Entry entry : history().entries(id)) {
                    read.add(entry.ceId());
                    String event = entry.event().toString();
                    lines.add("  p%d@%d %s %s %s"
                            .formatted(
                                    entry.partition(),
                                    entry.offset(),
                                    Instant.ofEpochMilli(entry.timestamp()),
                                    entry.ceId(),
                                    event.length() > 240 ? event.substring(0, 240) + "..." : event));
                }
                lines.add("outbox rows of " + id + ":");
                for (String schema : List.of("submission", "scheduler")) {
                    try (PreparedStatement rows = connection.prepareStatement("SELECT id, topic, type, created_at FROM "
                            + schema + ".outbox WHERE aggregate_id = ? ORDER BY created_at, id")) {
                        rows.setString(1, id);
                        try (ResultSet row = rows.executeQuery()) {
                            while (row.next()) {
                                String ceId = row.getString("id");
                                boolean lost =
                                        row.getString("topic").equals(Topics.WORKFLOW_EVENTS) && !read.contains(ceId);
                                lines.add("  %s %s %s %s %s%s"
                                        .formatted(
                                                schema,
                                                row.getObject("created_at"),
                                                row.getString("topic"),
                                                row.getString("type"),
                                                ceId,
                                                lost ? "  <- NOT READ FROM THE HISTORY" : ""));
                            }
                        }
                    }
                }
            }
        } catch (SQLException e) {
            lines.add("outbox rows not readable: " + e);
        }
        return lines;
    }

    /**
     * Submits a wave, waits until some of it finished (the system works), runs {@code before}
     * (e.g. waits for the moment to strike), injects the fault, and waits until everything
     * submitted so far has finished.
     */
    private void fault(String name, Runnable before, Runnable inject) {
        int wave = recoveries.size() + 1;
        List<String> ids = submitWave(wave);
        await("wave " + wave + " makes progress")
                .atMost(DRAIN)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> history().finished(ids) >= 5);
        before.run();
        long faultAt = System.currentTimeMillis();
        System.out.println("fault " + name + " at " + faultAt);
        inject.run();
        long restoredAt = System.currentTimeMillis();
        List<String> all = List.copyOf(submitted);
        await("all " + all.size() + " workflows finished after fault " + name)
                .atMost(DRAIN)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> history().finished(all) == all.size());
        List<Long> finishedAfter = all.stream()
                .map(id -> history().finishedAt(id))
                .filter(Objects::nonNull)
                .filter(at -> at > faultAt)
                .toList();
        recoveries.add(new Recovery(
                name,
                faultAt,
                restoredAt,
                finishedAfter.size(),
                finishedAfter.stream().min(Comparator.naturalOrder()).orElse(null),
                finishedAfter.stream().max(Comparator.naturalOrder()).orElse(null)));
        System.out.println(recoveries.getLast().line());
    }

    private void restart(ServiceProcess service) {
        service.kill();
        service.start().awaitHealthy(STARTUP);
    }

    /** A worker that has started a 4 s sleep (a {@link Shape#SLOW} task) without a result yet. */
    private ServiceProcess workerRunningASleep() {
        List<ServiceProcess> busy = new ArrayList<>();
        await("a worker runs a sleep handler")
                .atMost(DRAIN)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    Stream.of(service("worker-1"), service("worker-2"))
                            .filter(worker -> history().hasRunningAttempt(worker.name, Shape.SLOW_TASK))
                            .findFirst()
                            .ifPresent(busy::add);
                    return !busy.isEmpty();
                });
        System.out.println("killing " + busy.getFirst().name + " while it runs a sleep handler");
        return busy.getFirst();
    }

    /** The submission-service whose relay holds the leader lock, by its leader gauge. */
    private ServiceProcess relayLeader() {
        List<ServiceProcess> leaders = new ArrayList<>();
        await("exactly one submission relay leader")
                .atMost(DRAIN)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    leaders.clear();
                    Stream.of(service("submission-1"), service("submission-2"))
                            .filter(this::isRelayLeader)
                            .forEach(leaders::add);
                    return leaders.size() == 1;
                });
        System.out.println("relay leader: " + leaders.getFirst().name);
        return leaders.getFirst();
    }

    private boolean isRelayLeader(ServiceProcess service) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(
                                    "http://localhost:" + service.port + "/actuator/metrics/tributary.outbox.leader"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return false;
            }
            JsonNode measurements = json.readTree(response.body()).get("measurements");
            return measurements != null
                    && measurements.size() > 0
                    && measurements.get(0).get("value").asDouble() == 1.0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Submits {@link #WAVE} workflows over both submission-services; a failed POST is retried. */
    private List<String> submitWave(int wave) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < WAVE; i++) {
            Shape shape = Shape.of(i);
            String id = "crash-w" + wave + "-" + i + "-" + shape.name().toLowerCase(java.util.Locale.ROOT);
            workflows.put(id, shape);
            ids.add(id);
        }
        List<ServiceProcess> instances = List.of(service("submission-1"), service("submission-2"));
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            List<Future<?>> posts = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get(i);
                int first = i;
                posts.add(threads.submit(() -> post(id, instances, first)));
            }
            for (Future<?> post : posts) {
                post.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("wave " + wave + " not submitted", e);
        }
        submitted.addAll(ids);
        return ids;
    }

    private void post(String id, List<ServiceProcess> instances, int first) {
        AtomicInteger turn = new AtomicInteger(first);
        Shape shape = Objects.requireNonNull(workflows.get(id));
        await("POST " + id)
                .atMost(DRAIN)
                .pollInterval(Duration.ofMillis(500))
                .pollDelay(Duration.ZERO)
                .until(() -> {
                    ServiceProcess instance = instances.get(turn.getAndIncrement() % instances.size());
                    try {
                        HttpResponse<String> response = http.send(
                                HttpRequest.newBuilder(
                                                URI.create("http://localhost:" + instance.port + "/api/v1/workflows"))
                                        .timeout(Duration.ofSeconds(30))
                                        .header("content-type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(shape.json(id)))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200 || response.statusCode() == 201) {
                            return true;
                        }
                        System.err.println("POST " + id + " to " + instance.name + ": " + response.statusCode() + " "
                                + response.body());
                    } catch (IOException e) {
                        System.err.println("POST " + id + " to " + instance.name + ": " + e);
                    }
                    failedPosts.incrementAndGet();
                    return false;
                });
    }

    /** Waits until the API shows a final status for every workflow; returns them. */
    private Map<String, String> awaitApiStatuses() {
        Map<String, String> statuses = new ConcurrentHashMap<>();
        int port = service("submission-2").port;
        await("API shows a final status for every workflow")
                .atMost(DRAIN)
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    for (String id : submitted) {
                        if (statuses.containsKey(id)) {
                            continue;
                        }
                        HttpResponse<String> response = http.send(
                                HttpRequest.newBuilder(
                                                URI.create("http://localhost:" + port + "/api/v1/workflows/" + id))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200) {
                            String status =
                                    json.readTree(response.body()).get("status").asString();
                            if (List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(status)) {
                                statuses.put(id, status);
                            }
                        }
                    }
                    return statuses.size() == submitted.size();
                });
        return statuses;
    }

    private static int wave(String workflowId) {
        return Integer.parseInt(workflowId.substring("crash-w".length(), workflowId.indexOf('-', "crash-w".length())));
    }

    private HistoryLog history() {
        return Objects.requireNonNull(history);
    }
}
