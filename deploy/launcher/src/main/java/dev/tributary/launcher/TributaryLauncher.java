package dev.tributary.launcher;

import dev.tributary.embedded.EmbeddedKafkaBroker;
import dev.tributary.embedded.EmbeddedPostgresServer;
import dev.tributary.events.Topics;
import dev.tributary.launcher.admin.AdminCli;
import dev.tributary.launcher.admin.KafkaConsumerGroups;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.NewTopic;
import org.jspecify.annotations.Nullable;

/**
 * Starts the whole system on embedded defaults and prints where it is. Ctrl-C (SIGINT/SIGTERM)
 * stops the services, then Kafka, then PostgreSQL. A start after an unclean stop recovers on its
 * own: PostgreSQL runs crash recovery, Kafka recovers its logs, the relays resume from their
 * offsets.
 */
public final class TributaryLauncher implements AutoCloseable {

    /** Built-in handler types; their topics exist from the start so consumers subscribe at once. */
    static final List<String> BUILT_IN_TYPES = List.of("noop", "echo", "sleep", "fail", "http");

    private final LauncherSettings settings;
    private @Nullable EmbeddedPostgresServer postgres;
    private @Nullable EmbeddedKafkaBroker kafka;
    private @Nullable TributarySystem system;
    private TributarySystem.@Nullable Infrastructure infrastructure;

    public TributaryLauncher(LauncherSettings settings) {
        this.settings = settings;
    }

    public static void main(String[] args) {
        if (args.length > 0 && TOOLS.contains(args[0])) {
            // Before anything logs: the tools' own output only, library logs at WARN.
            if (System.getProperty("logback.configurationFile") == null) {
                System.setProperty("logback.configurationFile", "tributary-cli-logback.xml");
            }
            System.exit(Objects.requireNonNull(runTool(args)));
        }
        LauncherSettings settings = LauncherSettings.fromEnvironment(System.getenv());
        TributaryLauncher launcher = new TributaryLauncher(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("Stopping Tributary...");
                            launcher.close();
                            stopped.countDown();
                        },
                        "tributary-stop"));
        try {
            launcher.start();
        } catch (RuntimeException | Error e) {
            // Errors too (a class missing from the jar): Kafka's threads would keep a half-started
            // JVM alive, holding the ports, if only exceptions ended it.
            System.err.println("Tributary did not start: " + e);
            e.printStackTrace();
            System.exit(1);
        }
        System.out.println(launcher.banner());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs a command-line tool instead of the system when the first argument names one: {@code
     * admin ...} ({@link AdminCli}) or {@code kafka-consumer-groups ...} ({@link
     * KafkaConsumerGroups}). Returns its exit code, or {@code null} when the arguments name no tool
     * (then the launcher starts the system, as without arguments).
     */
    static @Nullable Integer runTool(String[] args) {
        if (args.length == 0 || !TOOLS.contains(args[0])) {
            return null;
        }
        List<String> rest = List.of(args).subList(1, args.length);
        if (args[0].equals("admin")) {
            return AdminCli.run(rest, System.getenv(), System.out, System.err);
        }
        KafkaConsumerGroups.run(rest.toArray(String[]::new));
        return 0;
    }

    /** The first arguments that run a tool instead of the system. */
    static final List<String> TOOLS = List.of("admin", "kafka-consumer-groups");

    /**
     * Starts PostgreSQL and Kafka (unless external ones are configured) and the services of
     * {@link LauncherSettings#services()}; returns when they are up.
     */
    public TributaryLauncher start() {
        long started = System.nanoTime();
        try {
            Files.createDirectories(settings.home());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + settings.home(), e);
        }
        String jdbcUrl = settings.externalJdbcUrl();
        if (jdbcUrl == null) {
            // Stopped by close(), after the services and Kafka: not by a shutdown hook of its own.
            postgres = EmbeddedPostgresServer.startStoppedByOwner(
                    settings.postgresPort(), settings.home().resolve("postgres"));
            postgres.createDatabase(LauncherSettings.DATABASE);
            jdbcUrl = postgres.jdbcUrl(LauncherSettings.DATABASE);
        }
        String bootstrap = settings.externalKafka();
        if (bootstrap == null) {
            kafka = EmbeddedKafkaBroker.builder()
                    .port(settings.kafkaPort())
                    .controllerPort(settings.kafkaControllerPort())
                    .dataDirectory(settings.home().resolve("kafka"))
                    .defaultPartitions(settings.partitions())
                    .build()
                    .start();
            kafka.createTopics(topics());
            bootstrap = kafka.bootstrapServers();
        }
        infrastructure =
                new TributarySystem.Infrastructure(bootstrap, jdbcUrl, settings.username(), settings.password());
        system = TributarySystem.start(
                infrastructure,
                new TributarySystem.Ports(settings.submissionPort(), settings.schedulerPort(), settings.workerPort()),
                Map.of(),
                Map.of(),
                settings.services());
        System.out.printf("Tributary started in %.1f s%n", (System.nanoTime() - started) / 1e9);
        return this;
    }

    /**
     * The topics the embedded broker creates: history with a long retention (the replay window).
     * Public for whoever prepares an external broker the same way (tests, one-service mode).
     */
    public List<NewTopic> topics() {
        List<NewTopic> topics = new ArrayList<>();
        long retentionMs = Duration.ofDays(settings.eventsRetention()).toMillis();
        topics.add(new NewTopic(Topics.WORKFLOW_EVENTS, settings.partitions(), (short) 1)
                .configs(Map.of("retention.ms", Long.toString(retentionMs))));
        topics.add(new NewTopic(Topics.WORKFLOW_SUBMISSIONS, settings.partitions(), (short) 1));
        topics.add(new NewTopic(Topics.TASK_CANCELLATIONS, settings.partitions(), (short) 1));
        topics.add(new NewTopic(Topics.DEAD_LETTERS, 1, (short) 1)
                .configs(Map.of("retention.ms", Long.toString(retentionMs))));
        for (String type : BUILT_IN_TYPES) {
            topics.add(new NewTopic(Topics.tasks(type), settings.partitions(), (short) 1));
        }
        return topics;
    }

    /** The running services. */
    public TributarySystem system() {
        if (system == null) {
            throw new IllegalStateException("not started");
        }
        return system;
    }

    /** What the user needs to know, ready to print. */
    public String banner() {
        TributarySystem running = system();
        String kafkaAddress = infrastructure == null ? "?" : infrastructure.kafkaBootstrapServers();
        String database = infrastructure == null ? "?" : infrastructure.jdbcUrl();
        StringBuilder banner = new StringBuilder("\nTributary is running.\n");
        if (running.runs(TributarySystem.SUBMISSION)) {
            banner.append(
                    "  submission-service  http://localhost:%d   (API: /api/v1/workflows, docs: /swagger-ui.html)%n"
                            .formatted(running.port(TributarySystem.SUBMISSION)));
        }
        for (String service : List.of(TributarySystem.SCHEDULER, TributarySystem.WORKER)) {
            if (running.runs(service)) {
                banner.append("  %-18s  http://localhost:%d   (/actuator/health)%n"
                        .formatted(service, running.port(service)));
            }
        }
        banner.append("""
                  Kafka bootstrap     %s
                  PostgreSQL          %s
                  data folder         %s
                """.formatted(kafkaAddress, database, settings.home()));
        if (running.runs(TributarySystem.SUBMISSION)) {
            banner.append("""

                    Try it:
                      curl -s -X POST http://localhost:%1$d/api/v1/workflows -H 'content-type: application/json' \\
                           -d @docs/examples/diamond.json
                      curl -s http://localhost:%1$d/api/v1/workflows/<id>
                    """.formatted(running.port(TributarySystem.SUBMISSION)));
        }
        banner.append("\nCtrl-C stops everything; data is kept for the next start.\n");
        return banner.toString();
    }

    /** Stops the services, then Kafka, then PostgreSQL. Safe to call more than once. */
    @Override
    public synchronized void close() {
        if (system != null) {
            system.close();
            system = null;
        }
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }
}
