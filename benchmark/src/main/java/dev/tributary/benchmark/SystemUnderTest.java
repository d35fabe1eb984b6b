package dev.tributary.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The three services as separate JVMs (one {@link ChildProcess} each) against the shared broker and
 * PostgreSQL, with their own database, topics, consumer groups, outbox names and replication
 * slots; the outbox relay is Debezium or polling. The properties are those the launcher's
 * {@code TributarySystem} sets when it runs the services in one JVM.
 */
final class SystemUnderTest implements AutoCloseable {

    static final List<String> TASK_TYPES = List.of("noop", "echo", "sleep", "fail", "http");

    final String name;
    final String mode;
    final String database;
    final String eventsTopic;
    final String tasksPrefix;
    final String workerGroupPrefix;
    final Set<String> outboxSources;
    final Map<String, ChildProcess> services = new LinkedHashMap<>();
    final Map<String, Integer> ports = new LinkedHashMap<>();

    SystemUnderTest(
            String mode, String bootstrapServers, Postgres postgres, BenchmarkOptions options, Path logDirectory) {
        this.mode = mode;
        this.name = "bench_" + mode + "_" + Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        this.database = name;
        postgres.createDatabase(database);
        eventsTopic = "b." + name + ".workflow-events";
        tasksPrefix = "b." + name + ".tasks.";
        String deadLetters = "b." + name + ".dead-letters";
        String cancellations = "b." + name + ".task-cancellations";
        workerGroupPrefix = name + "-worker-";
        List<NewTopic> topics = new ArrayList<>();
        topics.add(new NewTopic(eventsTopic, options.partitions(), (short) 1));
        topics.add(new NewTopic(deadLetters, 1, (short) 1));
        topics.add(new NewTopic(cancellations, options.partitions(), (short) 1));
        for (String type : TASK_TYPES) {
            topics.add(new NewTopic(tasksPrefix + type, options.partitions(), (short) 1));
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot create the benchmark topics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        String submissionOutbox = name + "_submission";
        String schedulerOutbox = name + "_scheduler";
        outboxSources = Set.of("/tributary/" + submissionOutbox, "/tributary/" + schedulerOutbox);

        Map<String, Object> common = new LinkedHashMap<>();
        common.put("spring.kafka.bootstrap-servers", bootstrapServers);
        common.put("spring.datasource.url", postgres.jdbcUrl(database));
        common.put("spring.datasource.username", postgres.username());
        common.put("spring.datasource.password", postgres.password());
        common.put("spring.main.banner-mode", "off");
        common.put("logging.level.root", "WARN");
        common.put("logging.level.org.apache.kafka", "WARN");
        common.put("logging.level.kafka", "WARN");
        common.put("springdoc.api-docs.enabled", false);
        common.put("springdoc.swagger-ui.enabled", false);
        common.put("tributary.submission.events-topic", eventsTopic);
        common.put("tributary.submission.dead-letter-topic", deadLetters);
        common.put("tributary.submission.projection.consumer-group", name + "-projection");
        common.put("tributary.scheduler.events-topic", eventsTopic);
        common.put("tributary.scheduler.tasks-topic-prefix", tasksPrefix);
        common.put("tributary.scheduler.dead-letter-topic", deadLetters);
        common.put("tributary.scheduler.consumer-group", name + "-scheduler");
        common.put("tributary.scheduler.cancellations-topic", cancellations);
        common.put("tributary.worker.events-topic", eventsTopic);
        common.put("tributary.worker.tasks-topic-prefix", tasksPrefix);
        common.put("tributary.worker.dead-letter-topic", deadLetters);
        common.put("tributary.worker.cancellations-topic", cancellations);
        common.put("tributary.worker.group-prefix", workerGroupPrefix);
        common.put("tributary.worker.concurrency", options.concurrency());
        common.put("tributary.outbox.dead-letter-topic", deadLetters);
        common.put("tributary.outbox.relay-mode", mode);
        common.put("tributary.outbox.polling.interval", options.pollingInterval());
        common.put("tributary.outbox.polling.batch-size", options.pollingBatch());
        common.putAll(options.springProperties());

        for (String service : List.of("worker-service", "submission-service", "scheduler-service")) {
            Map<String, Object> properties = new LinkedHashMap<>();
            int port = freePort();
            ports.put(service, port);
            properties.put("spring.config.name", service);
            properties.put("spring.application.name", service);
            properties.put("server.port", port);
            properties.putAll(common);
            switch (service) {
                case "submission-service" -> {
                    properties.put("tributary.worker.enabled", false);
                    properties.put("tributary.outbox.name", submissionOutbox);
                }
                case "scheduler-service" -> {
                    properties.put("tributary.worker.enabled", false);
                    properties.put("tributary.outbox.name", schedulerOutbox);
                }
                default -> {
                    properties.put("spring.liquibase.enabled", false);
                    properties.put("tributary.outbox.enabled", false);
                    properties.put("spring.datasource.hikari.minimum-idle", 0);
                }
            }
            properties.putAll(options.serviceProperties().getOrDefault(service, Map.of()));
            List<String> arguments = properties.entrySet().stream()
                    .map(entry -> "--" + entry.getKey() + "=" + entry.getValue())
                    .toList();
            String mainClass = switch (service) {
                case "submission-service" -> "dev.tributary.submission.SubmissionApplication";
                case "scheduler-service" -> "dev.tributary.scheduler.SchedulerApplication";
                default -> "dev.tributary.worker.WorkerApplication";
            };
            List<String> jvm = options.serviceJvm();
            services.put(
                    service, ChildProcess.start(mode + "-" + service, jvm, mainClass, arguments, logDirectory, null));
            if (service.equals("submission-service")) {
                // Submission and scheduler run Liquibase on the same database: one after the other.
                // The worker has no database and starts meanwhile.
                awaitHealthy(service, 300);
            }
        }
        awaitHealthy("scheduler-service", 300);
        awaitHealthy("worker-service", 300);
    }

    int submissionPort() {
        return ports.get("submission-service");
    }

    /** The outbox tables of the services with an outbox. */
    static List<String> outboxTables() {
        return List.of("submission.outbox", "scheduler.outbox");
    }

    private void awaitHealthy(String service, long timeoutSeconds) {
        URI health = URI.create("http://localhost:" + ports.get(service) + "/actuator/health");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try (HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            while (System.nanoTime() < deadline) {
                ChildProcess process = services.get(service);
                if (process != null && !process.isAlive()) {
                    throw new IllegalStateException(service + " (" + mode + ") exited during startup; see its log");
                }
                try {
                    HttpResponse<String> response = client.send(
                            HttpRequest.newBuilder(health)
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
                ChildProcess.pause(500);
            }
        }
        throw new IllegalStateException(service + " (" + mode + ") not healthy within " + timeoutSeconds + " s");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the worker first, then scheduler and submission. */
    @Override
    public void close() {
        for (String service : List.of("worker-service", "scheduler-service", "submission-service")) {
            ChildProcess process = services.get(service);
            if (process != null) {
                process.close();
            }
        }
    }
}
