package dev.tributary.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the launcher starts and where, read from environment variables (documented in README).
 *
 * @param home the project-local folder that keeps PostgreSQL's and Kafka's data across restarts
 *     ({@code TRIBUTARY_HOME}, default {@code .tributary})
 * @param kafkaPort the embedded broker's client port ({@code TRIBUTARY_KAFKA_PORT}, 9092)
 * @param kafkaControllerPort the embedded broker's KRaft controller port ({@code
 *     TRIBUTARY_KAFKA_CONTROLLER_PORT}, 9093)
 * @param externalKafka bootstrap servers of an existing Kafka; when set no broker is embedded
 *     ({@code TRIBUTARY_KAFKA_BOOTSTRAP_SERVERS})
 * @param postgresPort the embedded PostgreSQL port ({@code TRIBUTARY_POSTGRES_PORT}, 15432)
 * @param externalJdbcUrl JDBC URL of an existing PostgreSQL (with {@code wal_level=logical}); when
 *     set no PostgreSQL is embedded ({@code TRIBUTARY_DATASOURCE_URL})
 * @param username database user ({@code TRIBUTARY_DATASOURCE_USERNAME}, {@code postgres})
 * @param password database password ({@code TRIBUTARY_DATASOURCE_PASSWORD}, {@code postgres})
 * @param submissionPort HTTP port of submission-service ({@code TRIBUTARY_SUBMISSION_PORT}, 8081)
 * @param schedulerPort HTTP port of scheduler-service ({@code TRIBUTARY_SCHEDULER_PORT}, 8082)
 * @param workerPort HTTP port of worker-service ({@code TRIBUTARY_WORKER_PORT}, 8083)
 * @param eventsRetention retention of the history topic, in days ({@code
 *     TRIBUTARY_EVENTS_RETENTION_DAYS}, 30): the replay window
 * @param partitions partitions of the history and task topics ({@code TRIBUTARY_PARTITIONS}, 6)
 * @param services the services this JVM runs, in start order ({@code TRIBUTARY_SERVICES}, a
 *     comma-separated subset of {@code submission-service,scheduler-service,worker-service}, default
 *     all three): one service per process when several launchers share one Kafka and PostgreSQL
 */
public record LauncherSettings(
        Path home,
        int kafkaPort,
        int kafkaControllerPort,
        @Nullable String externalKafka,
        int postgresPort,
        @Nullable String externalJdbcUrl,
        String username,
        String password,
        int submissionPort,
        int schedulerPort,
        int workerPort,
        int eventsRetention,
        int partitions,
        List<String> services) {

    /** Every service, in the order the launcher starts them. */
    public static final List<String> ALL_SERVICES =
            List.of(TributarySystem.SUBMISSION, TributarySystem.SCHEDULER, TributarySystem.WORKER);

    public LauncherSettings {
        services = List.copyOf(services);
        if (services.isEmpty()) {
            throw new IllegalArgumentException("at least one service must run");
        }
    }

    /** Whether this JVM runs the service. */
    public boolean runs(String service) {
        return services.contains(service);
    }

    /** The database the embedded PostgreSQL creates and every service uses. */
    public static final String DATABASE = "tributary";

    /** Reads the settings from environment variables, defaulting what is absent. */
    public static LauncherSettings fromEnvironment(Map<String, String> env) {
        return new LauncherSettings(
                Path.of(env.getOrDefault("TRIBUTARY_HOME", ".tributary")).toAbsolutePath(),
                intValue(env, "TRIBUTARY_KAFKA_PORT", 9092),
                intValue(env, "TRIBUTARY_KAFKA_CONTROLLER_PORT", 9093),
                blankToNull(env.get("TRIBUTARY_KAFKA_BOOTSTRAP_SERVERS")),
                intValue(env, "TRIBUTARY_POSTGRES_PORT", 15432),
                blankToNull(env.get("TRIBUTARY_DATASOURCE_URL")),
                env.getOrDefault("TRIBUTARY_DATASOURCE_USERNAME", "postgres"),
                env.getOrDefault("TRIBUTARY_DATASOURCE_PASSWORD", "postgres"),
                intValue(env, "TRIBUTARY_SUBMISSION_PORT", 8081),
                intValue(env, "TRIBUTARY_SCHEDULER_PORT", 8082),
                intValue(env, "TRIBUTARY_WORKER_PORT", 8083),
                intValue(env, "TRIBUTARY_EVENTS_RETENTION_DAYS", 30),
                intValue(env, "TRIBUTARY_PARTITIONS", 6),
                services(env.get("TRIBUTARY_SERVICES")));
    }

    /**
     * Parses {@code TRIBUTARY_SERVICES}: names separated by commas, blanks ignored, case
     * insensitive, the {@code -service} suffix optional; returned in start order (submission,
     * scheduler, worker) whatever the order given. Absent or blank means all three.
     */
    static List<String> services(@Nullable String value) {
        if (value == null || value.isBlank()) {
            return ALL_SERVICES;
        }
        List<String> named = new ArrayList<>();
        for (String part : value.split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            String service = name.endsWith("-service") ? name : name + "-service";
            if (!ALL_SERVICES.contains(service)) {
                throw new IllegalArgumentException("TRIBUTARY_SERVICES names an unknown service '" + part.trim()
                        + "'; known: " + String.join(",", ALL_SERVICES));
            }
            named.add(service);
        }
        if (named.isEmpty()) {
            return ALL_SERVICES;
        }
        return ALL_SERVICES.stream().filter(named::contains).toList();
    }

    private static int intValue(Map<String, String> env, String name, int fallback) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was '" + value + "'", e);
        }
    }

    private static @Nullable String blankToNull(@Nullable String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
