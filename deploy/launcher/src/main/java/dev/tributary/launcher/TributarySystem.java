package dev.tributary.launcher;

import dev.tributary.scheduler.SchedulerApplication;
import dev.tributary.submission.SubmissionApplication;
import dev.tributary.worker.WorkerApplication;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The three services running as separate Spring application contexts in this JVM. Each context
 * reads only its own configuration file ({@code spring.config.name} = the service name), listens
 * on its own port and scans only its own packages; properties switch off the auto-configurations
 * a service does not use (the worker has no database, only the worker runs handlers).
 */
public final class TributarySystem implements AutoCloseable {

    /** Where the shared infrastructure is. */
    public record Infrastructure(String kafkaBootstrapServers, String jdbcUrl, String username, String password) {}

    /** HTTP ports of the services; 0 picks a free port. */
    public record Ports(int submission, int scheduler, int worker) {}

    public static final String SUBMISSION = "submission-service";
    public static final String SCHEDULER = "scheduler-service";
    public static final String WORKER = "worker-service";

    private final List<ConfigurableApplicationContext> contexts;

    private TributarySystem(List<ConfigurableApplicationContext> contexts) {
        this.contexts = new ArrayList<>(contexts);
    }

    /**
     * Starts submission-service, scheduler-service and worker-service, in that order.
     *
     * @param extra properties added to every service (e.g. topic names in tests)
     */
    public static TributarySystem start(Infrastructure infra, Ports ports, Map<String, Object> extra) {
        return start(infra, ports, extra, Map.of());
    }

    /**
     * Starts the services with extra properties for all of them and for single services.
     *
     * @param perService properties by service name ({@code submission-service}, ...), applied
     *     after {@code extra}
     */
    public static TributarySystem start(
            Infrastructure infra, Ports ports, Map<String, Object> extra, Map<String, Map<String, Object>> perService) {
        return start(infra, ports, extra, perService, List.of(SUBMISSION, SCHEDULER, WORKER));
    }

    /**
     * Starts some of the services, in the order given; the others run elsewhere (another launcher
     * process on the same Kafka and PostgreSQL) or not at all.
     *
     * @param services names of the services to start ({@code submission-service}, ...)
     */
    public static TributarySystem start(
            Infrastructure infra,
            Ports ports,
            Map<String, Object> extra,
            Map<String, Map<String, Object>> perService,
            List<String> services) {
        List<ConfigurableApplicationContext> started = new ArrayList<>();
        try {
            for (String service : services) {
                int port = switch (service) {
                    case SUBMISSION -> ports.submission();
                    case SCHEDULER -> ports.scheduler();
                    case WORKER -> ports.worker();
                    default -> throw new IllegalArgumentException("no service named " + service);
                };
                started.add(startService(service, infra, port, extra, perService));
            }
            return new TributarySystem(started);
        } catch (RuntimeException e) {
            new TributarySystem(started).close();
            throw e;
        }
    }

    /** Starts one service alone, e.g. to restart it after {@link #stop(String)}. */
    public synchronized void restart(
            String serviceName,
            Infrastructure infra,
            int port,
            Map<String, Object> extra,
            Map<String, Map<String, Object>> perService) {
        contexts.add(startService(serviceName, infra, port, extra, perService));
    }

    /** Stops one service (closes its context), as if its process ended cleanly. */
    public synchronized void stop(String serviceName) {
        ConfigurableApplicationContext context = context(serviceName);
        context.close();
        contexts.remove(context);
    }

    private static ConfigurableApplicationContext startService(
            String name,
            Infrastructure infra,
            int port,
            Map<String, Object> extra,
            Map<String, Map<String, Object>> perService) {
        Map<String, Object> properties = new LinkedHashMap<>(extra);
        properties.putAll(perService.getOrDefault(name, Map.of()));
        Class<?> application = switch (name) {
            case SUBMISSION -> SubmissionApplication.class;
            case SCHEDULER -> SchedulerApplication.class;
            case WORKER -> WorkerApplication.class;
            default -> throw new IllegalArgumentException("no service named " + name);
        };
        return run(application, name, port, infra, properties);
    }

    private static ConfigurableApplicationContext run(
            Class<?> application, String name, int port, Infrastructure infra, Map<String, Object> extra) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("spring.config.name", name);
        properties.put("spring.application.name", name);
        properties.put("server.port", port);
        properties.put("spring.kafka.bootstrap-servers", infra.kafkaBootstrapServers());
        properties.put("spring.datasource.url", infra.jdbcUrl());
        properties.put("spring.datasource.username", infra.username());
        properties.put("spring.datasource.password", infra.password());
        properties.put("spring.main.banner-mode", "off");
        // One process, one log: the application name would be whichever service logged first.
        properties.put("logging.include-application-name", false);
        properties.put("logging.level.org.apache.kafka", "WARN");
        properties.put("logging.level.kafka", "WARN");
        if (!name.equals(WORKER)) {
            properties.put("tributary.worker.enabled", false);
        } else {
            properties.put("spring.liquibase.enabled", false);
            properties.put("tributary.outbox.enabled", false);
            properties.put("spring.datasource.hikari.minimum-idle", 0);
        }
        properties.putAll(extra);
        // As command-line arguments: they outrank the service's own configuration file, which
        // holds defaults for running the service alone.
        String[] arguments = properties.entrySet().stream()
                .map(entry -> "--" + entry.getKey() + "=" + entry.getValue())
                .toArray(String[]::new);
        return new SpringApplicationBuilder(application)
                .main(application)
                .registerShutdownHook(false)
                .run(arguments);
    }

    /** The context of one service: {@code submission-service}, {@code scheduler-service}, {@code worker-service}. */
    public synchronized ConfigurableApplicationContext context(String serviceName) {
        return contexts.stream()
                .filter(context -> serviceName.equals(context.getEnvironment().getProperty("spring.application.name")))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service named " + serviceName));
    }

    /** Whether this system runs the service. */
    public synchronized boolean runs(String serviceName) {
        return contexts.stream()
                .anyMatch(
                        context -> serviceName.equals(context.getEnvironment().getProperty("spring.application.name")));
    }

    /** The HTTP port a service listens on. */
    public int port(String serviceName) {
        return Integer.parseInt(context(serviceName).getEnvironment().getProperty("local.server.port", "0"));
    }

    /** Stops the services in reverse order: workers first, so results still reach the log. */
    @Override
    public synchronized void close() {
        for (int i = contexts.size() - 1; i >= 0; i--) {
            try {
                contexts.get(i).close();
            } catch (RuntimeException e) {
                System.err.println("error stopping a service: " + e);
            }
        }
        contexts.clear();
    }
}
